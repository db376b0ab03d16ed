import {
  close,
  closeSync,
  constants,
  fstat,
  fstatSync,
  open,
  openSync,
  read,
  readSync,
  type Stats,
} from "node:fs";
import { promisify } from "node:util";
import { decodeText, hasNulCharacter, SNIFF_BYTES, type TextEncoding } from "./text.js";

// The walk listed the path as a regular file; should it be swapped for a link or a FIFO
// before it is opened, refuse the link and do not block on the FIFO.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

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

// One file's read, written once as the system calls it asks for (each `yield`): run
// blocking by readTextFileSync, through the threadpool by readTextFile.
type Call =
  | { call: "open" }
  | { call: "fstat"; fd: number }
  | { call: "admit"; size: number }
  | { call: "read"; fd: number; buffer: Buffer; offset: number; length: number }
  | { call: "close"; fd: number };

/**
 * Open, fstat, read, close. Files over `maxFileSize` are not read; a binary file is
 * recognised from its first {@link SNIFF_BYTES} bytes and not read further. The bytes
 * are dropped once decoded, so only one file's bytes are held at a time.
 */
function* readCalls(
  maxFileSize: number,
  encoding: TextEncoding,
): Generator<Call, ReadOutcome, unknown> {
  let fd: number;
  try {
    fd = (yield { call: "open" }) as number;
  } catch (error) {
    return { kind: "unreadable", error };
  }
  try {
    // What counts is the file actually opened.
    const opened = (yield { call: "fstat", fd }) as Stats;
    if (!opened.isFile()) return { kind: "unreadable", error: new Error("not a regular file") };
    const { size } = opened;
    if (size > maxFileSize) return { kind: "too_large", size };
    if (!(yield { call: "admit", size })) {
      return { kind: "unreadable", error: new Error("the read was cancelled") };
    }
    const bytes = Buffer.allocUnsafe(size);
    let filled = yield* readInto(fd, bytes, 0, Math.min(SNIFF_BYTES, size));
    if (hasNulCharacter(bytes.subarray(0, filled), encoding)) return { kind: "binary", size };
    if (filled === Math.min(SNIFF_BYTES, size)) {
      filled += yield* readInto(fd, bytes, filled, size - filled);
    }
    const text = decodeText(bytes.subarray(0, filled), encoding);
    return text === undefined ? { kind: "binary", size } : { kind: "text", text, size: filled };
  } catch (error) {
    return { kind: "unreadable", error };
  } finally {
    // A read-only descriptor's close does not fail in practice; should it, the read it
    // ends stands.
    try {
      yield { call: "close", fd };
    } catch {}
  }
}

/** Reads up to `length` bytes at `offset`; fewer only when the file ends first. */
function* readInto(
  fd: number,
  buffer: Buffer,
  offset: number,
  length: number,
): Generator<Call, number, unknown> {
  let total = 0;
  while (total < length) {
    const read = (yield {
      call: "read",
      fd,
      buffer,
      offset: offset + total,
      length: length - total,
    }) as number;
    if (read === 0) break;
    total += read;
  }
  return total;
}

/**
 * Reads one regular file as text, blocking: the fastest way on a local disk, where each
 * call takes microseconds and a trip through the threadpool costs more than the call
 * (on 10,000 files of 1 KB, a `wct run` took about a quarter less time). What is read
 * and refused: see `readCalls`.
 */
export function readTextFileSync(
  path: string,
  maxFileSize: number,
  encoding: TextEncoding,
): ReadOutcome {
  const calls = readCalls(maxFileSize, encoding);
  let step = calls.next();
  while (!step.done) {
    let result: unknown;
    try {
      result = callSync(path, step.value);
    } catch (error) {
      step = calls.throw(error);
      continue;
    }
    step = calls.next(result);
  }
  return step.value;
}

function callSync(path: string, call: Call): unknown {
  switch (call.call) {
    case "open":
      return openSync(path, OPEN_FLAGS);
    case "fstat":
      return fstatSync(call.fd);
    case "admit":
      return true;
    case "read":
      return readSync(call.fd, call.buffer, call.offset, call.length, call.offset);
    case "close":
      return closeSync(call.fd);
  }
}

// node:fs's callbacks, as promises: cheaper per call than a FileHandle's (see readTextFile).
const openFile = promisify(open);
const statOf = promisify(fstat);
const readAt = promisify(read);
const closeFile = promisify(close);

/**
 * Reads one regular file as text, through the threadpool (what is read and refused: see
 * `readCalls`); the event loop runs meanwhile, and several reads can be in flight.
 * `admit`, when given, is asked before the bytes are allocated (see
 * {@link ReadAheadBudget}); the read-ahead's bound on open files holds until each is
 * closed.
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
  const calls = readCalls(maxFileSize, encoding);
  let step = calls.next();
  while (!step.done) {
    let result: unknown;
    try {
      result = await callAsync(path, step.value, admit);
    } catch (error) {
      step = calls.throw(error);
      continue;
    }
    step = calls.next(result);
  }
  return step.value;
}

async function callAsync(path: string, call: Call, admit: AdmitBytes | undefined) {
  switch (call.call) {
    case "open":
      return openFile(path, OPEN_FLAGS);
    case "fstat":
      return statOf(call.fd);
    case "admit":
      return admit === undefined ? true : admit(call.size);
    case "read":
      return (await readAt(call.fd, call.buffer, call.offset, call.length, call.offset)).bytesRead;
    case "close":
      return closeFile(call.fd);
  }
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
