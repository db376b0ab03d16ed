import { randomBytes } from "node:crypto";
import type { Stats } from "node:fs";
import { open, rename, stat, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { setTimeout as delay } from "node:timers/promises";
import { syncFolder } from "./sync-folder.js";

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
 * Atomically and durably replaces `folder/fileName` with `data`: temporary file, write,
 * fsync, close, rename, fsync the folder. A reader sees the old file or the new one; a
 * crash at any point leaves at most a stray temporary file, which is never listed.
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
  await syncFolder(folder);
}

/** Name of the file that makes breaking the stale guard of `fileName` exclusive. */
export function breakerFileName(fileName: string): string {
  return `.${fileName}.cas.break`;
}

/** Identity of one guard file: a new guard under the same name differs in inode or mtime. */
function identityOf(stats: Stats): string {
  return `${stats.dev}:${stats.ino}:${stats.mtimeMs}`;
}

/**
 * Tells whether a held file (guard or breaker) was left by a dead process. It is when
 * its mtime is older than `staleGuardMs`, or, whatever its mtime says, when this
 * waiter has seen the very same file sit there for `staleGuardMs` of its own monotonic
 * clock: a guard whose mtime lies in the future (a clock set back, another host's
 * clock) is then still broken in bounded time instead of when the wall clock catches up.
 */
class StaleWatch {
  private seen: { identity: string; since: number } | undefined;

  constructor(private readonly staleGuardMs: number) {}

  isStale(stats: Stats): boolean {
    const identity = identityOf(stats);
    const now = performance.now();
    if (this.seen?.identity !== identity) this.seen = { identity, since: now };
    return (
      Date.now() - stats.mtimeMs > this.staleGuardMs || now - this.seen.since > this.staleGuardMs
    );
  }
}

async function statOrMissing(path: string): Promise<Stats | undefined> {
  try {
    return await stat(path);
  } catch (error) {
    if (errorCode(error) === "ENOENT") return undefined;
    throw error;
  }
}

/**
 * Removes the guard judged stale from `judged`, unless it has been replaced since.
 * Removal by name is not atomic with the judgement: two waiters judging the same dead
 * guard could otherwise both remove "it", the second one removing the fresh guard the
 * first had just taken, and both enter the critical section. So breaking takes its own
 * O_EXCL breaker file, and under it removes the guard only if it still is the very
 * file that was judged. Resolves `true` when the caller should retry at once.
 */
async function breakStaleGuard(
  guard: string,
  breaker: string,
  judged: Stats,
  breakerWatch: StaleWatch,
): Promise<boolean> {
  try {
    await writeFile(breaker, `${process.pid}\n`, { flag: "wx", mode: FILE_MODE });
  } catch (error) {
    const code = errorCode(error);
    // The folder is gone: the retry finds out and gives up.
    if (code === "ENOENT" || code === "ENOTDIR") return true;
    if (code !== "EEXIST") throw error;
    // Someone else is breaking it, for the few system calls that takes. A breaker left
    // by a process that died in between is removed like a stale guard; removing one
    // wrongly needs two processes to die inside these critical sections.
    const held = await statOrMissing(breaker);
    if (held === undefined) return true;
    if (breakerWatch.isStale(held)) {
      await removeQuietly(breaker);
      return true;
    }
    return false;
  }
  try {
    const current = await statOrMissing(guard);
    if (current !== undefined && identityOf(current) === identityOf(judged)) {
      await removeQuietly(guard);
    }
    return true;
  } finally {
    await removeQuietly(breaker);
  }
}

/**
 * Runs `critical` while holding the O_EXCL guard file `.<fileName>.cas` in `folder`,
 * so compare-and-replace and remove of one key exclude each other across processes.
 *
 * A held guard is retried with a growing, jittered delay. A guard older than
 * `staleGuardMs` (or seen unchanged for that long) was left by a process that died
 * inside its critical section (a live one holds it for milliseconds), so it is
 * broken (see {@link breakStaleGuard}) and taken.
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
  const breaker = join(folder, breakerFileName(fileName));
  const guardWatch = new StaleWatch(staleGuardMs);
  const breakerWatch = new StaleWatch(staleGuardMs);
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
    const held = await statOrMissing(guard);
    if (held === undefined) continue;
    if (guardWatch.isStale(held) && (await breakStaleGuard(guard, breaker, held, breakerWatch))) {
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
