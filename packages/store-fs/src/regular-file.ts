import { close, constants, fstat, open, readFile } from "node:fs";
import { promisify } from "node:util";

const openCallback = promisify(open);
const fstatCallback = promisify(fstat);
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
 * The bytes of `path`, which must be a regular file. It is opened without blocking and
 * without following a link, then checked with fstat on the open descriptor, so a FIFO,
 * socket or device (even one swapped in after an earlier check) is refused instead of
 * hanging or streaming forever. Missing files reject with Node's ENOENT as usual.
 */
export async function readRegularFile(path: string): Promise<Buffer> {
  let fd: number;
  try {
    fd = await openCallback(path, READ_FLAGS);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ELOOP") throw new NotRegularFileError(path, "link");
    // A socket cannot be opened at all.
    if (code === "ENXIO" || code === "EOPNOTSUPP") throw new NotRegularFileError(path, "special");
    throw error;
  }
  try {
    const stats = await fstatCallback(fd);
    if (stats.isDirectory()) throw new NotRegularFileError(path, "folder");
    if (!stats.isFile()) throw new NotRegularFileError(path, "special");
    return await readFd(fd);
  } finally {
    await closeCallback(fd).catch(() => {});
  }
}
