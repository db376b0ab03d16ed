import { randomBytes } from "node:crypto";
import { open, rename, stat, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";

/** Mode of every file the store creates: artifacts hold personal data. */
export const FILE_MODE = 0o600;
/** Mode of every folder the store creates. */
export const FOLDER_MODE = 0o700;

// pid + a per-process random token + a counter: unique across processes and calls
// without paying for randomness on every write.
const processToken = randomBytes(4).toString("hex");
let tempCounter = 0;

/**
 * A temporary file name beside `fileName`. It starts with `.`, which no key segment
 * may, so a temporary file can never be mistaken for a key.
 */
export function tempFileName(fileName: string): string {
  tempCounter = (tempCounter + 1) % Number.MAX_SAFE_INTEGER;
  return `.${fileName}.${process.pid}.${processToken}${tempCounter.toString(36)}.tmp`;
}

/** Name of the compare-and-replace guard of `fileName`, beside it. */
export function guardFileName(fileName: string): string {
  return `.${fileName}.cas`;
}

/** Node's error code of a failed fs call, if any. */
export function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

/**
 * Creates `path` (which must not exist), writes `data`, flushes it to the disk and
 * closes it. Once this resolves the bytes are durable, so renaming or linking the file
 * into place publishes a complete value.
 */
export async function writeSyncedFile(path: string, data: Uint8Array): Promise<void> {
  const handle = await open(path, "wx", FILE_MODE);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Removes a file, ignoring that it is already gone. */
export async function removeQuietly(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (error) {
    if (errorCode(error) !== "ENOENT") throw error;
  }
}

/**
 * Atomically replaces `folder/fileName` with `data`: temporary file, write, fsync,
 * close, rename. A reader sees the old file or the new one; a crash at any point
 * leaves at most a stray temporary file, which is never listed.
 */
export async function replaceFileAtomically(
  folder: string,
  fileName: string,
  data: Uint8Array,
): Promise<void> {
  const temp = join(folder, tempFileName(fileName));
  try {
    await writeSyncedFile(temp, data);
    await rename(temp, join(folder, fileName));
  } catch (error) {
    await removeQuietly(temp).catch(() => {});
    throw error;
  }
}

/**
 * Runs `critical` while holding the O_EXCL guard file `.<fileName>.cas` in `folder`,
 * so compare-and-replace and remove of one key exclude each other across processes.
 *
 * A held guard is retried with a growing, jittered delay. A guard older than
 * `staleGuardMs` was left by a process that died inside its critical section (a
 * live one holds it for milliseconds), so it is removed and taken. Two waiters may
 * both judge the same dead guard stale; the window is the time between one `stat`
 * and one `unlink`, and only exists after a holder has died.
 *
 * Resolves `undefined` without running `critical` when the folder does not exist:
 * then the key does not exist either.
 */
export async function withGuard<T>(
  folder: string,
  fileName: string,
  staleGuardMs: number,
  critical: () => Promise<T>,
): Promise<T | undefined> {
  const guard = join(folder, guardFileName(fileName));
  let backoffMs = 1;
  for (;;) {
    try {
      await writeFile(guard, `${process.pid}\n`, { flag: "wx", mode: FILE_MODE });
      break;
    } catch (error) {
      const code = errorCode(error);
      if (code === "ENOENT" || code === "ENOTDIR") return undefined;
      if (code !== "EEXIST") throw error;
    }
    const held = await stat(guard).catch((error: unknown) => {
      if (errorCode(error) === "ENOENT") return undefined;
      throw error;
    });
    if (held === undefined) continue;
    if (Date.now() - held.mtimeMs > staleGuardMs) {
      await removeQuietly(guard);
      continue;
    }
    await delay(backoffMs * (0.5 + Math.random()));
    backoffMs = Math.min(backoffMs * 2, 50);
  }
  try {
    return await critical();
  } finally {
    await removeQuietly(guard);
  }
}
