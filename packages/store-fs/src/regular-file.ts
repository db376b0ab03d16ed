import { Buffer } from "node:buffer";
import { close, closeSync, constants, fstatSync, openSync, readFile, readSync } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { setImmediate as yieldToLoop } from "node:timers/promises";
import { promisify } from "node:util";

const closeCallback = promisify(close);
// readFile on a descriptor reads from it without closing it.
const readFd = promisify(readFile) as (fd: number) => Promise<Buffer>;

// O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever.
// O_NOFOLLOW: a link (even a dangling one) at the file's own place fails with ELOOP.
const READ_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW;

/** What sits at a path the store expected to be a regular file. */
export type NotRegularKind = "folder" | "link" | "special";

/** Thrown by {@link readRegularFile} for anything but a regular file. */
export class NotRegularFileError extends Error {
  readonly code = "ENOTREG";
  constructor(
    readonly path: string,
    readonly kind: NotRegularKind,
  ) {
    super(`${path} is not a regular file (${kind})`);
    this.name = "NotRegularFileError";
  }
}

/**
 * Files up to this size are read with synchronous calls. Listing runs reads two small
 * records per run: a thread-pool round trip per call (open, fstat, read, close) costs
 * many times the call itself, and a few kilobytes block the event loop for microseconds.
 * Larger files are read asynchronously, so a big artifact never stalls other work.
 */
const SYNC_READ_LIMIT = 64 * 1024;

/**
 * The bytes of `path`, which must be a regular file. It is opened without blocking and
 * without following a link, then checked with fstat on the open descriptor, so a FIFO,
 * socket or device (even one swapped in after an earlier check) is refused instead of
 * hanging or streaming forever. Missing files reject with Node's ENOENT as usual.
 */
export async function readRegularFile(path: string): Promise<Buffer> {
  // Every read waits for the event loop's next turn once: with synchronous calls alone,
  // a loop of reads (a poller) would run on microtasks and starve all other I/O.
  await yieldToLoop();
  const { fd, size } = openRegularSync(path);
  let async = false;
  try {
    if (size <= SYNC_READ_LIMIT) {
      const small = readSmall(fd, size);
      if (small !== undefined) return small;
    }
    async = true;
    return await readFd(fd);
  } finally {
    if (async) await closeCallback(fd).catch(() => {});
    else closeQuietly(fd);
  }
}

/**
 * `path` opened for reading without blocking or following a link, and checked with
 * fstat on the open descriptor to be a regular file (else {@link NotRegularFileError},
 * or Node's error, such as ENOENT). The caller closes `fd`.
 */
function openRegularSync(path: string): { fd: number; size: number } {
  let fd: number;
  try {
    fd = openSync(path, READ_FLAGS);
  } catch (error) {
    throw openFailure(path, error);
  }
  try {
    const stats = fstatSync(fd);
    if (stats.isDirectory()) throw new NotRegularFileError(path, "folder");
    if (!stats.isFile()) throw new NotRegularFileError(path, "special");
    return { fd, size: stats.size };
  } catch (error) {
    closeQuietly(fd);
    throw error;
  }
}

/**
 * `path` opened for reading as {@link readRegularFile} opens it (without blocking or
 * following a link), for a caller that reads it as a stream: a link or a socket there is
 * a {@link NotRegularFileError}, other errors (ENOENT) are Node's. The caller checks what
 * it opened (`stat()` on the handle) and closes it.
 */
export async function openRegularHandle(path: string): Promise<FileHandle> {
  try {
    return await open(path, READ_FLAGS);
  } catch (error) {
    throw openFailure(path, error);
  }
}

// What a failed open of `path` with READ_FLAGS means.
function openFailure(path: string, error: unknown): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ELOOP") return new NotRegularFileError(path, "link");
  // A socket cannot be opened at all.
  if (code === "ENXIO" || code === "EOPNOTSUPP") return new NotRegularFileError(path, "special");
  return error;
}

/**
 * The file's `size` bytes from `fd`, read synchronously, as `readFile` reads a regular
 * file (what fstat said, no extra call to see the end); `undefined` when it is empty
 * by fstat (a size of 0 may be a special file that does have content: read it async).
 */
function readSmall(fd: number, size: number): Buffer | undefined {
  if (size === 0) return undefined;
  const buffer = Buffer.allocUnsafe(size);
  let length = 0;
  while (length < size) {
    const n = readSync(fd, buffer, length, size - length, length);
    if (n === 0) break;
    length += n;
  }
  return length === size ? buffer : buffer.subarray(0, length);
}

/**
 * The bytes of `path` when it is a non-empty regular file of at most 64 KiB, read with
 * synchronous calls and no turn of the event loop; `undefined` for anything else (missing,
 * a link, a folder, a special file, larger, unreadable). For passes over many small files
 * (listing runs), whose callers leave every `undefined` to {@link readRegularFile} to say
 * what is wrong: opened the same way, so nothing is followed and nothing blocks.
 */
export function readSmallFileSync(path: string): Buffer | undefined {
  let opened: { fd: number; size: number };
  try {
    opened = openRegularSync(path);
  } catch {
    return undefined;
  }
  try {
    return opened.size > SYNC_READ_LIMIT ? undefined : readSmall(opened.fd, opened.size);
  } catch {
    return undefined;
  } finally {
    closeQuietly(opened.fd);
  }
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // Nothing was written through it: a failed close loses nothing.
  }
}
