import { close, constants, fstat, open, read } from "node:fs";
import { promisify } from "node:util";
import { decodeText, hasNulCharacter, SNIFF_BYTES, type TextEncoding } from "./text.js";

// The walk listed the path as a regular file; should it be swapped for a link or a FIFO
// before it is opened, refuse the link and do not block on the FIFO.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

// node:fs's callbacks, as promises: cheaper per call than a FileHandle's (see readTextFile).
const openFile = promisify(open);
const statOf = promisify(fstat);
const readAt = promisify(read);
const closeFile = promisify(close);

/** What reading one file gave. */
export type ReadOutcome =
  | { kind: "text"; text: string; size: number }
  | { kind: "binary"; size: number }
  | { kind: "too_large"; size: number }
  | { kind: "unreadable"; error: unknown };

/**
 * Asked before a file's bytes are allocated, with their size: resolves `true` once they
 * may be (a read-ahead's memory bound), `false` when the read is no longer wanted.
 */
export type AdmitBytes = (size: number) => boolean | Promise<boolean>;

/**
 * Reads one regular file as text: open, fstat, read, close. Files over `maxFileSize`
 * are not read; a binary file is recognised from its first {@link SNIFF_BYTES} bytes
 * and not read further. The bytes are dropped once decoded, so only one file's bytes
 * are held at a time. `admit`, when given, is asked before the bytes are allocated (see
 * {@link ReadAhead}).
 *
 * Through node:fs's callbacks on a descriptor rather than a `FileHandle`: on a tree of
 * 10,000 small files that takes about a third of the time (`FileHandle`'s promises, and
 * an `lstat` before the open that the `fstat` of the opened file makes redundant, cost
 * more than the reads).
 */
export async function readTextFile(
  path: string,
  maxFileSize: number,
  encoding: TextEncoding,
  admit?: AdmitBytes,
): Promise<ReadOutcome> {
  let fd: number;
  try {
    fd = await openFile(path, OPEN_FLAGS);
  } catch (error) {
    return { kind: "unreadable", error };
  }
  try {
    // What counts is the file actually opened.
    const opened = await statOf(fd);
    if (!opened.isFile()) return { kind: "unreadable", error: new Error("not a regular file") };
    const { size } = opened;
    if (size > maxFileSize) return { kind: "too_large", size };
    if (admit !== undefined && !(await admit(size))) {
      return { kind: "unreadable", error: new Error("the read was cancelled") };
    }
    const bytes = Buffer.allocUnsafe(size);
    let filled = await readInto(fd, bytes, 0, Math.min(SNIFF_BYTES, size));
    if (hasNulCharacter(bytes.subarray(0, filled), encoding)) return { kind: "binary", size };
    if (filled === Math.min(SNIFF_BYTES, size)) {
      filled += await readInto(fd, bytes, filled, size - filled);
    }
    const text = decodeText(bytes.subarray(0, filled), encoding);
    return text === undefined ? { kind: "binary", size } : { kind: "text", text, size: filled };
  } catch (error) {
    return { kind: "unreadable", error };
  } finally {
    // Awaited: the read-ahead's bound on open files holds until each is closed. A read-only
    // descriptor's close does not fail in practice; should it, the read it ends stands.
    await closeFile(fd).catch(() => {});
  }
}

/** Reads up to `length` bytes at `offset`; fewer only when the file ends first. */
async function readInto(
  fd: number,
  buffer: Buffer,
  offset: number,
  length: number,
): Promise<number> {
  let total = 0;
  while (total < length) {
    const { bytesRead } = await readAt(fd, buffer, offset + total, length - total, offset + total);
    if (bytesRead === 0) break;
    total += bytesRead;
  }
  return total;
}

/**
 * The memory bound of a read-ahead: reads numbered in the order they are handed out
 * (0, 1, 2, …) ask to allocate their bytes; a read is admitted while the admitted bytes
 * not yet handed out stay within `limit`, and the next read to hand out always is, so
 * the reads ahead never wait on each other forever. Memory: `limit` plus one file.
 */
export class ReadAheadBudget {
  private held = 0;
  private issued = 0;
  private next = 0;
  private cancelled = false;
  private readonly admitted = new Map<number, number>();
  private readonly waiting: Array<{ turn: number; size: number; resolve(ok: boolean): void }> = [];

  constructor(private readonly limit: number) {}

  /** The {@link AdmitBytes} of the next read started, which is handed out after those before it. */
  nextRead(): AdmitBytes {
    const turn = this.issued++;
    return (size) => this.admit(turn, size);
  }

  /** Read `turn` asks for `size` bytes; `false` once the read-ahead was cancelled. */
  admit(turn: number, size: number): boolean | Promise<boolean> {
    if (this.cancelled) return false;
    if (this.fits(turn, size)) {
      this.take(turn, size);
      return true;
    }
    return new Promise((resolve) => this.waiting.push({ turn, size, resolve }));
  }

  /** The next read (in turn order) was handed out: its bytes are its consumer's now. */
  handedOut(): void {
    this.held -= this.admitted.get(this.next) ?? 0;
    this.admitted.delete(this.next);
    this.next++;
    for (let i = 0; i < this.waiting.length; ) {
      const waiter = this.waiting[i]!;
      if (this.fits(waiter.turn, waiter.size)) {
        this.waiting.splice(i, 1);
        this.take(waiter.turn, waiter.size);
        waiter.resolve(true);
      } else {
        i++;
      }
    }
  }

  /** Reads still waiting give up; later ones are refused. */
  cancel(): void {
    this.cancelled = true;
    for (const waiter of this.waiting.splice(0)) waiter.resolve(false);
  }

  private fits(turn: number, size: number): boolean {
    return turn === this.next || this.held + size <= this.limit;
  }

  private take(turn: number, size: number): void {
    this.held += size;
    this.admitted.set(turn, size);
  }
}
