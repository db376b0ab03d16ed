import { Buffer } from "node:buffer";
import { Worker } from "node:worker_threads";

/**
 * Records whose large strings hold at least this many characters in all are framed on
 * the framing thread. Below it, a round trip to the thread costs more than framing in
 * place (a database row); above it (a file's text), `JSON.stringify`, the UTF-8
 * encoding of its result and the garbage they leave would cost the main thread more
 * than a second per 100 MB, next to the scan that reads the same records.
 */
export const OFFLOAD_CHARS = 16 * 1024;
// Strings from this length on travel as UTF-8 bytes, escaped on the framing thread;
// shorter ones are framed in place with the record's structure.
const LARGE_STRING_CHARS = 4 * 1024;
// How far a record is walked to decide: a record with more values than this is framed
// in place (such a record is a structure, not a few large strings).
const MAX_WALK_NODES = 256;

// Plain JavaScript, evaluated as the worker's script: no file to find next to the
// built or the source module, no loader. A record arrives as pieces: JSON text (its
// structure and small values, a string) and large strings as their UTF-8 bytes (a
// Uint8Array, transferred), which are quoted and escaped here exactly as JSON.stringify
// escapes a well-formed string (`"`, `\`, and the C0 controls, with the short forms for
// \b \t \n \f \r; nothing else). The answer is the line and its newline in one buffer,
// transferred back.
const WORKER_SOURCE = `
const { parentPort } = require("node:worker_threads");
const HEX = "0123456789abcdef";
const ESCAPE = new Array(256).fill(undefined);
for (let c = 0; c < 0x20; c++) ESCAPE[c] = Buffer.from("\\\\u00" + HEX[c >> 4] + HEX[c & 15], "latin1");
const SHORT = { 8: "\\\\b", 9: "\\\\t", 10: "\\\\n", 12: "\\\\f", 13: "\\\\r", 0x22: '\\\\"', 0x5c: "\\\\\\\\" };
for (const [code, text] of Object.entries(SHORT)) ESCAPE[Number(code)] = Buffer.from(text, "latin1");
const PLAIN = new Uint8Array(256).map((_, code) => (ESCAPE[code] === undefined ? 1 : 0));
let out = Buffer.allocUnsafeSlow(1 << 20);
let at = 0;
function room(bytes) {
  if (at + bytes <= out.length) return;
  const bigger = Buffer.allocUnsafeSlow(Math.max(out.length * 2, at + bytes));
  out.copy(bigger, 0, 0, at);
  out = bigger;
}
function escaped(src) {
  const n = src.length;
  room(n + 2);
  out[at++] = 0x22;
  for (let i = 0; i < n; i++) {
    const b = src[i];
    if (PLAIN[b] === 1) {
      out[at++] = b;
      continue;
    }
    const e = ESCAPE[b];
    room(e.length + (n - i) + 1);
    for (let k = 0; k < e.length; k++) out[at++] = e[k];
  }
  out[at++] = 0x22;
}
// The inputs go back with the answer: left here, they would be this thread's garbage,
// which its own collector frees only now and then, and the main thread reuses them.
function answer(message, pieces, transfer) {
  const inputs = pieces.filter((piece) => typeof piece !== "string");
  message.inputs = inputs;
  parentPort.postMessage(message, transfer.concat(inputs.map((piece) => piece.buffer)));
}
parentPort.on("message", ({ id, pieces }) => {
  try {
    at = 0;
    for (const piece of pieces) {
      if (typeof piece === "string") {
        const length = Buffer.byteLength(piece, "utf8");
        room(length);
        at += out.write(piece, at, length, "utf8");
      } else {
        escaped(piece);
      }
    }
    room(1);
    out[at++] = 10;
    const bytes = Buffer.allocUnsafeSlow(at);
    out.copy(bytes, 0, 0, at);
    // A buffer grown for one huge record is not kept for the next.
    if (out.length > 1 << 22) out = Buffer.allocUnsafeSlow(1 << 20);
    answer({ id, bytes }, pieces, [bytes.buffer]);
  } catch (error) {
    answer({ id, error: String((error && error.message) || error) }, pieces, []);
  }
});
`;

interface WellFormed {
  isWellFormed(): boolean;
}

/** A record as the framing thread takes it, and the buffers to transfer with it. */
export interface FramingPlan {
  pieces: (string | Uint8Array)[];
  transfer: ArrayBuffer[];
}

/**
 * How `record` can be framed on the framing thread, or `undefined` when it is framed
 * in place. A plan's pieces, escaped and joined, are exactly `JSON.stringify(record)`:
 * it is only made for plain objects, arrays, strings, finite numbers, booleans and null
 * (a class instance may have a `toJSON`; `undefined`, non-finite numbers, bigints and
 * functions get the in-place checks and errors), with its large strings well-formed
 * (a lone surrogate has no UTF-8 form, and JSON.stringify escapes it).
 */
export function planFraming(record: unknown): FramingPlan | undefined {
  // A first, cheap look: most records of a database are small, and are left at that.
  if (largeStringChars(record) < OFFLOAD_CHARS) return undefined;
  let nodes = 0;
  let largeChars = 0;
  const large: string[] = [];
  const pieces: (string | number)[] = [];
  let text = "";
  const walk = (value: unknown): boolean => {
    if (++nodes > MAX_WALK_NODES) return false;
    switch (typeof value) {
      case "string":
        if (value.length >= LARGE_STRING_CHARS && (value as unknown as WellFormed).isWellFormed()) {
          pieces.push(text, large.length);
          text = "";
          large.push(value);
          largeChars += value.length;
        } else {
          text += JSON.stringify(value);
        }
        return true;
      case "number":
        if (!Number.isFinite(value)) return false;
        text += JSON.stringify(value);
        return true;
      case "boolean":
        text += value ? "true" : "false";
        return true;
      case "object": {
        if (value === null) {
          text += "null";
          return true;
        }
        if (Array.isArray(value)) {
          if (Object.getPrototypeOf(value) !== Array.prototype) return false;
          text += "[";
          for (let i = 0; i < value.length; i++) {
            if (i > 0) text += ",";
            if (!walk(value[i])) return false;
          }
          text += "]";
          return true;
        }
        const proto = Object.getPrototypeOf(value);
        if (proto !== Object.prototype && proto !== null) return false;
        text += "{";
        let first = true;
        for (const key of Object.keys(value)) {
          text += `${first ? "" : ","}${JSON.stringify(key)}:`;
          first = false;
          if (!walk((value as Record<string, unknown>)[key])) return false;
        }
        text += "}";
        return true;
      }
      default:
        return false;
    }
  };
  if (!walk(record) || largeChars < OFFLOAD_CHARS) return undefined;
  pieces.push(text);
  const transfer: ArrayBuffer[] = [];
  const planned = pieces
    .filter((piece) => piece !== "")
    .map((piece) => {
      if (typeof piece === "string") return piece;
      const string = large[piece] as string;
      // A UTF-16 unit is at most 3 bytes of UTF-8: a string whose worst case fits a
      // buffer kept for reuse is encoded at once, without a pass to count its bytes.
      const worst = 3 * string.length;
      const buffer = takeBuffer(
        worst <= MAX_SPARE_BYTES ? worst : Buffer.byteLength(string, "utf8"),
      );
      const length = buffer.write(string, 0, "utf8");
      transfer.push(buffer.buffer as ArrayBuffer);
      return new Uint8Array(buffer.buffer, 0, length);
    });
  return { pieces: planned, transfer };
}

// Buffers large strings are encoded into, each one whole ArrayBuffer (transferable),
// back from the framing thread once it escaped them.
const spareBuffers: Buffer[] = [];
const MAX_SPARE_BUFFERS = 4;
const MAX_SPARE_BYTES = 4 * 1024 * 1024;
const MIN_BUFFER_BYTES = 256 * 1024;

function takeBuffer(length: number): Buffer {
  for (let i = 0; i < spareBuffers.length; i++) {
    if ((spareBuffers[i] as Buffer).length >= length) {
      return spareBuffers.splice(i, 1)[0] as Buffer;
    }
  }
  return Buffer.allocUnsafeSlow(Math.max(length, MIN_BUFFER_BYTES));
}

function giveBack(inputs: readonly Uint8Array[] | undefined): void {
  for (const input of inputs ?? []) {
    const { buffer } = input;
    if (spareBuffers.length < MAX_SPARE_BUFFERS && buffer.byteLength <= MAX_SPARE_BYTES) {
      spareBuffers.push(Buffer.from(buffer as ArrayBuffer));
    }
  }
}

/** Characters in the strings of `record` long enough to travel as bytes (-1: too many values). */
function largeStringChars(record: unknown): number {
  let nodes = 0;
  let chars = 0;
  const walk = (value: unknown): void => {
    if (++nodes > MAX_WALK_NODES) return;
    if (typeof value === "string") {
      if (value.length >= LARGE_STRING_CHARS) chars += value.length;
    } else if (typeof value === "object" && value !== null) {
      if (Array.isArray(value)) for (const item of value) walk(item);
      else for (const key in value) walk((value as Record<string, unknown>)[key]);
    }
  };
  walk(record);
  return nodes > MAX_WALK_NODES ? -1 : chars;
}

interface Answer {
  id: number;
  bytes?: Uint8Array;
  error?: string;
  /** The encoded large strings, given back for reuse. */
  inputs?: Uint8Array[];
}

interface Pending {
  resolve(bytes: Buffer): void;
  reject(error: Error): void;
}

/**
 * One worker thread, shared by every writer of the process, that turns large records
 * into their JSON line's UTF-8 bytes. It keeps the process alive only while it has
 * work. Should it fail, writers frame in place from then on: the thread is a speed-up,
 * never a dependency.
 */
class FramingThread {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private seq = 0;
  private broken = false;

  /**
   * The record's line (its JSON text and a newline) as bytes to come, or `undefined`
   * when it is framed in place: small, not plain, or the thread is not available.
   */
  frame(record: unknown): Framing | undefined {
    if (this.broken) return undefined;
    const plan = planFraming(record);
    if (plan === undefined) return undefined;
    const worker = this.start();
    if (worker === undefined) return undefined;
    // Counted before the post, which detaches the transferred buffers.
    let bytes = 0;
    for (const piece of plan.pieces) bytes += piece.length;
    const id = this.seq++;
    try {
      worker.postMessage({ id, pieces: plan.pieces }, plan.transfer);
    } catch {
      return undefined;
    }
    if (this.pending.size === 0) worker.ref();
    const line = new Promise<Buffer>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
    });
    return { line, bytes };
  }

  private start(): Worker | undefined {
    if (this.worker !== undefined) return this.worker;
    try {
      const worker = new Worker(WORKER_SOURCE, { eval: true });
      worker.unref();
      worker.on("message", (answer: Answer) => this.answered(answer));
      worker.on("error", (error) => this.fail(error));
      worker.on("exit", (code) => this.fail(new Error(`the framing thread exited (${code})`)));
      this.worker = worker;
      return worker;
    } catch {
      this.broken = true;
      return undefined;
    }
  }

  private answered(answer: Answer): void {
    giveBack(answer.inputs);
    const waiting = this.pending.get(answer.id);
    this.pending.delete(answer.id);
    if (this.pending.size === 0) this.worker?.unref();
    if (waiting === undefined) return;
    const { bytes } = answer;
    if (bytes === undefined) waiting.reject(new Error(answer.error ?? "no bytes"));
    else waiting.resolve(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  }

  private fail(error: Error): void {
    this.broken = true;
    this.worker = undefined;
    for (const waiting of this.pending.values()) waiting.reject(error);
    this.pending.clear();
  }
}

const shared = new FramingThread();

/** A record on its way through the framing thread. */
export interface Framing {
  /** Its line: the JSON text and a newline, as UTF-8 bytes. */
  line: Promise<Buffer>;
  /** About how many bytes the line holds (its large strings' UTF-8, its structure's characters). */
  bytes: number;
}

/** See {@link FramingThread.frame}; one thread for the whole process. */
export function frameElsewhere(record: unknown): Framing | undefined {
  return shared.frame(record);
}
