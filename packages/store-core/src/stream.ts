import { Buffer } from "node:buffer";
import { createHash, type Hash } from "node:crypto";
import { once } from "node:events";
import { PassThrough, pipeline, Readable, type Transform } from "node:stream";
import { StringDecoder } from "node:string_decoder";
import { type Codec, codecTag } from "./codec.js";
import type { ChunkSink } from "./driver.js";
import { CORRUPT_HINT, StoreError, StoreErrorCode } from "./errors.js";
import { frameElsewhere } from "./framing-thread.js";
import type { ExecutionRecord, Message } from "./message.js";
import { messageSchemas } from "./message-schemas.js";

/**
 * How a streamed artifact's content materialises:
 * `{ ...head, [recordsField]: [records...], ...summary }`. So file_content/1.0.0
 * `{root, files, coverage}` streams as head `{root}`, recordsField `files` and summary
 * `{coverage}`. Head and summary keys must differ from each other and from
 * `recordsField`, and none may be an array index (`"0"`), so the materialised key
 * order is always head, records, summary.
 */
export interface StreamLayout {
  /** The content field that holds the records (an array once materialised). */
  recordsField: string;
  /** Content fields known before the records, stored first. */
  head?: Record<string, unknown>;
}

/** What {@link ArtifactWriter.commit} resolves with. */
export interface StreamCommit {
  /** `sha256:<hex>` of the bytes stored; equals what `store.digest(runId, key)` reads back. */
  digest: string;
  /** Records written. */
  records: number;
  /** Uncompressed JSON bytes of the records (what compression is measured against). */
  sourceBytes: number;
  /** Bytes stored, after the codec stages. */
  storedBytes: number;
}

/** What {@link ArtifactWriter.commit} may set besides the summary. */
export interface StreamCommitOptions {
  /**
   * The artifact's final execution record, known only once its stream ends (its whole
   * duration): it replaces the envelope's `execution` (the one given when the writer
   * opened) in what `get`, `messageText` and a reader that reached the end return.
   * Must be an {@link ExecutionRecord} (`ERR_INVALID_VALUE` otherwise).
   */
  execution?: ExecutionRecord;
}

/**
 * Writes one streamed artifact: records in order, then {@link ArtifactWriter.commit}.
 * Memory stays bounded whatever the number of records: each record is framed, encoded
 * and handed to the backend as it comes.
 */
export interface ArtifactWriter {
  /**
   * Appends one record (any JSON value; `undefined`, functions, symbols and non-finite
   * numbers are rejected with `ERR_INVALID_VALUE`, and the writer stays usable).
   * Awaiting it is the backpressure: it resolves once the record is buffered below a
   * bounded high-water mark. A large record (a file's text) is taken before its line is
   * framed, while at most four such records and 8 MiB of them are on their way; should
   * storing one of them fail, the next write or the commit rejects with that failure.
   */
  write(record: unknown): Promise<void>;
  /** Records accepted so far (for progress). */
  readonly records: number;
  /** Uncompressed JSON bytes of the records accepted so far (for progress). */
  readonly sourceBytes: number;
  /**
   * Finishes the stream with the closing content fields (and, optionally, the final
   * execution record, see {@link StreamCommitOptions}) and commits atomically: a reader
   * sees the whole artifact, or the previous value (or nothing) until then. A summary or
   * execution that is not valid is `ERR_INVALID_VALUE`, and the writer stays usable.
   */
  commit(summary?: Record<string, unknown>, options?: StreamCommitOptions): Promise<StreamCommit>;
  /**
   * Discards everything written; nothing counts as stored and the key keeps its
   * previous value. Idempotent; safe after a failed write; a no-op after commit.
   */
  abort(): Promise<void>;
}

/** Reads one stored artifact back, streamed or plain, with bounded memory. */
export interface ArtifactReader {
  /**
   * The Message with `content: null`. For a streamed artifact committed with an
   * `execution` ({@link StreamCommitOptions}), `envelope.execution` is that final record
   * once the end has been read (the records read through, or `summary()` resolved);
   * until then it is the one the writer opened with.
   */
  readonly envelope: Message;
  /** `undefined` when the artifact is stored as a plain Message. */
  readonly layout: StreamLayout | undefined;
  /**
   * The records in order, one pass. For a streamed artifact `field` may be omitted
   * (or must equal the layout's). For a plain Message, yields the items of the array
   * at `content[field]` (or of `content` itself when it is an array and `field` is
   * omitted); anything else is `ERR_INVALID_VALUE`. A damaged or truncated stream
   * fails with `ERR_CORRUPT_ENTRY`.
   */
  records(field?: string): AsyncIterable<unknown>;
  /**
   * The closing content fields. For a streamed artifact, reads the rest of the
   * records (discarding them, unparsed when the stream is compressed and so checked
   * whole) when they were not all consumed; a damaged or truncated stream fails with
   * `ERR_CORRUPT_ENTRY` as `records` would. For a plain Message:
   * the content's fields other than `field` (as given to `records`), `{}` when the
   * content is not an object.
   */
  summary(): Promise<Record<string, unknown>>;
  /** Releases the underlying read; idempotent. */
  close(): Promise<void>;
}

/** Format tag of the first and last line of a stored stream. */
export const STREAM_FORMAT = "wct-stream/1";
// Records are batched into chunks of about this size before the codec stages.
const BATCH_BYTES = 64 * 1024;
/** What a write taken at once resolves with: one settled promise shared by every such write. */
const WRITTEN: Promise<void> = Promise.resolve();
// How far a writer may run ahead of its backend: the bound of a writer's buffered bytes
// (plus the codec stages' own small buffers and one chunk in flight to the backend).
const WRITE_AHEAD_BYTES = 1024 * 1024;
// A record framed on the framing thread (a file's text) has its line back a little
// later: write() resolves at once while at most this many such records, and this
// many of their bytes, are on their way, so that the caller reads its next record (and
// a live consumer scans it) meanwhile instead of waiting for each line. Past either
// bound it waits for the oldest. Measured on a 100 MB text tree: `wct run` took 2.0 s
// instead of 2.2 s, its main thread no longer idle between files.
const FRAMED_AHEAD_RECORDS = 4;
const FRAMED_AHEAD_BYTES = 8 * 1024 * 1024;
const NEWLINE = Buffer.from("\n");
const INDEX_KEY = /^(?:0|[1-9][0-9]*)$/;

/** What a stream needs to know about where it is, for errors. */
export interface StreamPlace {
  runId: string;
  key: string;
  describe: string;
  backend: string;
}

function invalidValue(place: StreamPlace, why: string, cause?: unknown): StoreError {
  return new StoreError(
    StoreErrorCode.InvalidValue,
    `artifact ${place.key} of run ${place.runId}: ${why}`,
    cause === undefined ? place : { ...place, cause },
  );
}

function corrupt(place: StreamPlace, why: string, cause?: unknown): StoreError {
  return new StoreError(StoreErrorCode.CorruptEntry, `${place.describe} is corrupt: ${why}`, {
    runId: place.runId,
    key: place.key,
    cause,
    hint: CORRUPT_HINT,
  });
}

function backendError(place: StreamPlace, op: string, cause: unknown): StoreError {
  if (cause instanceof StoreError) return cause;
  return new StoreError(
    StoreErrorCode.Backend,
    `${place.backend} store could not ${op} ${place.describe}: ${(cause as Error)?.message ?? String(cause)}`,
    { runId: place.runId, key: place.key, cause },
  );
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

// Rejects what JSON.stringify would silently turn into null; the cost is one call per
// value, small next to the serialisation itself.
function strictReplacer(_key: string, value: unknown): unknown {
  if (typeof value === "number" && !Number.isFinite(value)) {
    throw new TypeError(`${value} is not a JSON number`);
  }
  if (typeof value === "bigint") throw new TypeError("a bigint is not JSON");
  return value;
}

// How far finiteOnly looks before it gives up (and leaves the check to the replacer).
const MAX_FINITE_CHECK_NODES = 512;

/**
 * True when `record` holds no non-finite number and nothing whose JSON form a walk
 * cannot see (a `toJSON` method); false when it does or may.
 */
function finiteOnly(record: unknown): boolean {
  let nodes = 0;
  const walk = (value: unknown): boolean => {
    if (++nodes > MAX_FINITE_CHECK_NODES) return false;
    if (typeof value === "number") return Number.isFinite(value);
    if (typeof value !== "object" || value === null) return true;
    if (typeof (value as { toJSON?: unknown }).toJSON === "function") return false;
    if (Array.isArray(value)) {
      for (const item of value) if (!walk(item)) return false;
      return true;
    }
    for (const key of Object.keys(value)) {
      if (!walk((value as Record<string, unknown>)[key])) return false;
    }
    return true;
  };
  return walk(record);
}

function recordJson(place: StreamPlace, record: unknown): string {
  let text: string | undefined;
  try {
    // A replacer takes JSON.stringify off its fast path (about three times slower on a
    // database row). Without one, a non-finite number comes out as `null`: only a
    // record whose text holds `null` is looked at again, and only stringified again
    // with the replacer when the look is not conclusive.
    text = JSON.stringify(record);
    if (text?.includes("null") && !finiteOnly(record)) {
      text = JSON.stringify(record, strictReplacer);
    }
  } catch (cause) {
    throw invalidValue(place, `a record is not JSON (${(cause as Error).message})`, cause);
  }
  if (text === undefined) throw invalidValue(place, `a record is not JSON (got ${typeof record})`);
  return text;
}

/** Checks a layout (and a summary against it); throws `ERR_INVALID_VALUE`. */
export function checkLayout(
  place: StreamPlace,
  layout: StreamLayout,
  summary?: Record<string, unknown>,
): void {
  if (!isPlainObject(layout) || typeof layout.recordsField !== "string" || !layout.recordsField) {
    throw invalidValue(place, "the layout needs a non-empty recordsField");
  }
  const field = layout.recordsField;
  if (INDEX_KEY.test(field)) throw invalidValue(place, `recordsField ${field} is an array index`);
  const check = (what: string, fields: unknown, others: Set<string>) => {
    if (fields === undefined) return;
    if (!isPlainObject(fields)) throw invalidValue(place, `the ${what} must be an object`);
    for (const name of Object.keys(fields)) {
      if (name === field || others.has(name) || INDEX_KEY.test(name)) {
        throw invalidValue(
          place,
          `${what} field ${JSON.stringify(name)} clashes with the records field, the head, or is an array index`,
        );
      }
    }
  };
  check("head", layout.head, new Set());
  check("summary", summary, new Set(Object.keys(layout.head ?? {})));
}

/**
 * The envelope with `execution` after `content`, so that a final execution from the
 * trailer takes its place in text written after the records (`messageText`) as in `get`.
 */
function executionAfterContent(envelope: Message): Message {
  const keys = Object.keys(envelope);
  if (keys.indexOf("execution") > keys.indexOf("content")) return envelope;
  const { execution, ...rest } = envelope;
  return { ...rest, execution } as Message;
}

/** Chains codec transforms; the returned pair is the first (to write) and the last (to read). */
function chain(
  stages: Transform[],
  onError: (error: Error) => void,
): { first: Transform; last: Transform } {
  if (stages.length === 0) {
    const through = new PassThrough();
    through.on("error", onError);
    return { first: through, last: through };
  }
  if (stages.length === 1) {
    stages[0]!.on("error", onError);
    return { first: stages[0]!, last: stages[0]! };
  }
  pipeline(stages, (error) => {
    if (error) onError(error);
  });
  return { first: stages[0]!, last: stages[stages.length - 1]! };
}

/**
 * Starts a streamed write: the header line goes out at once, records follow, the
 * trailer and the sink's commit come with {@link ArtifactWriter.commit}.
 */
export function createArtifactWriter(
  place: StreamPlace,
  sink: ChunkSink,
  codecs: readonly Codec[],
  envelope: Message,
  layout: StreamLayout,
): ArtifactWriter {
  let state: "open" | "committing" | "committed" | "aborted" | "failed" = "open";
  let failure: StoreError | undefined;
  let records = 0;
  let sourceBytes = 0;
  let storedBytes = 0;
  const hash = createHash("sha256");
  // Of the text before the trailer, which the trailer carries: brotli, unlike gzip, has no
  // checksum of its own, and a damaged byte can decode without error into other text.
  const textHash = createHash("sha256");
  let trailing = false;
  let parts: string[] = [];
  let partsLength = 0;

  const fail = (error: unknown) => {
    // Destroying the stages on abort makes them fail; that is not a write failure.
    if (state === "aborted" || state === "committed") return;
    if (failure === undefined) failure = backendError(place, "write", error);
    if (state === "open" || state === "committing") state = "failed";
  };
  // The inlet lets the producer run up to WRITE_AHEAD_BYTES ahead of the codec stages
  // and the backend, so reading the next input overlaps encoding and storing the last.
  const inlet = new PassThrough({ highWaterMark: WRITE_AHEAD_BYTES });
  const { first, last } = chain([inlet, ...codecs.map((codec) => codec.encoder())], (error) =>
    fail(error),
  );
  const pump = (async () => {
    for await (const chunk of last as AsyncIterable<Buffer>) {
      hash.update(chunk);
      storedBytes += chunk.length;
      await sink.write(chunk);
    }
  })();
  pump.catch((error) => {
    fail(error);
    first.destroy();
  });

  const ensureWritable = () => {
    if (state === "aborted" || state === "committed" || state === "committing") {
      throw invalidValue(
        place,
        `the writer is already ${state === "aborted" ? "aborted" : "committed"}`,
      );
    }
    if (failure) throw failure;
  };

  async function send(bytes: Buffer): Promise<void> {
    if (!trailing) textHash.update(bytes);
    if (!first.write(bytes)) {
      try {
        await Promise.race([once(first, "drain"), pump]);
      } catch (error) {
        fail(error);
      }
      if (failure) throw failure;
    }
  }

  async function flush(): Promise<void> {
    if (parts.length === 0) return;
    const bytes = Buffer.from(parts.length === 1 ? parts[0]! : parts.join(""), "utf8");
    parts = [];
    partsLength = 0;
    await send(bytes);
  }

  function push(line: string): Promise<void> {
    parts.push(line, "\n");
    partsLength += line.length + 1;
    return partsLength >= BATCH_BYTES ? flush() : Promise.resolve();
  }

  // A large record goes out as its own buffer: joining it into a batch would copy it
  // once more on the main thread.
  async function sendLarge(bytes: Buffer): Promise<void> {
    await flush();
    await send(bytes);
    await send(NEWLINE);
  }

  // Sends run one after another, so records keep their order even when a caller does
  // not await each write.
  let queue: Promise<void> = Promise.resolve();
  let queued = 0;
  const enqueue = (step: () => Promise<void>): Promise<void> => {
    queued++;
    const next = queue.then(step).finally(() => {
      queued--;
    });
    queue = next.catch(() => {});
    return next;
  };

  // Framed records whose lines are still on their way, oldest first (see
  // FRAMED_AHEAD_RECORDS). Their steps run one after another in the queue, so they
  // settle oldest first too. A failure of one is the writer's failure: the next write or
  // the commit throws it.
  const ahead: { step: Promise<void>; bytes: number }[] = [];
  let aheadBytes = 0;
  const framedAhead = (step: Promise<void>, bytes: number): Promise<void> | undefined => {
    ahead.push({ step, bytes });
    aheadBytes += bytes;
    const leave = () => {
      ahead.shift();
      aheadBytes -= bytes;
    };
    step.then(leave, (error) => {
      fail(error);
      leave();
    });
    return aheadIsFull() ? roomAhead() : undefined;
  };
  const aheadIsFull = () => ahead.length > FRAMED_AHEAD_RECORDS || aheadBytes > FRAMED_AHEAD_BYTES;
  // The oldest's own handlers (above), attached first, take it out before this wakes.
  const roomAhead = async (): Promise<void> => {
    while (aheadIsFull()) await ahead[0]!.step.catch(() => {});
    if (failure) throw failure;
  };

  /**
   * Takes one record: `undefined` when it went into the batch at once (the common case
   * of a small record), else the promise of its turn in the queue. A million rows
   * should not cost a million promises (nor, with async hooks on, their init hooks).
   */
  const writeRecord = (record: unknown): Promise<void> | undefined => {
    ensureWritable();
    const framing = frameElsewhere(record);
    if (framing !== undefined) {
      records++;
      const step = enqueue(async () => {
        // Should the framing thread fail, the record is framed here after all.
        const bytes = await framing.line.catch(() =>
          Buffer.from(`${recordJson(place, record)}\n`, "utf8"),
        );
        sourceBytes += bytes.length - 1;
        await flush();
        await send(bytes);
      });
      return framedAhead(step, framing.bytes);
    }
    const line = recordJson(place, record);
    records++;
    if (line.length >= BATCH_BYTES) {
      const bytes = Buffer.from(line, "utf8");
      sourceBytes += bytes.length;
      return enqueue(() => sendLarge(bytes));
    }
    sourceBytes += Buffer.byteLength(line, "utf8");
    // The common case (small record, nothing queued, batch not full) stays synchronous.
    if (queued === 0 && partsLength + line.length + 1 < BATCH_BYTES) {
      parts.push(line, "\n");
      partsLength += line.length + 1;
      return undefined;
    }
    return enqueue(() => push(line));
  };

  const header = JSON.stringify({
    format: STREAM_FORMAT,
    envelope: executionAfterContent(envelope),
    layout: { records_field: layout.recordsField, head: layout.head ?? {} },
  });
  parts.push(header, "\n");
  partsLength = header.length + 1;

  return {
    get records() {
      return records;
    },
    get sourceBytes() {
      return sourceBytes;
    },
    write(record) {
      try {
        return writeRecord(record) ?? WRITTEN;
      } catch (error) {
        return Promise.reject(error);
      }
    },
    async commit(summary, options) {
      ensureWritable();
      checkLayout(place, layout, summary ?? {});
      const execution = options?.execution;
      if (
        execution !== undefined &&
        !(await messageSchemas()).executionRecordSchema.safeParse(execution).success
      ) {
        throw invalidValue(place, "the execution given at commit is not an execution record");
      }
      // Summary and execution are serialised (and refused) now; the counts go in once the
      // queue has drained: a record still being framed when commit is called (a caller
      // that does not await each write) adds its bytes only then.
      let closing: string;
      try {
        closing = `,"summary":${JSON.stringify(summary ?? {}, strictReplacer)}${
          execution === undefined ? "" : `,"execution":${JSON.stringify(execution, strictReplacer)}`
        }}`;
      } catch (cause) {
        throw invalidValue(place, `the summary is not JSON (${(cause as Error).message})`, cause);
      }
      state = "committing";
      try {
        await enqueue(async () => {
          await flush();
          const counts = JSON.stringify({
            format: STREAM_FORMAT,
            end: true,
            records,
            source_bytes: sourceBytes,
            text_sha256: textHash.digest("hex"),
          });
          trailing = true;
          parts.push(counts.slice(0, -1) + closing, "\n");
          await flush();
        });
        first.end();
        await pump;
        if (failure) throw failure;
        await sink.commit();
      } catch (error) {
        fail(error);
        await sink.abort().catch(() => {});
        throw failure ?? backendError(place, "commit", error);
      }
      state = "committed";
      return { digest: `sha256:${hash.digest("hex")}`, records, sourceBytes, storedBytes };
    },
    async abort() {
      if (state === "committed" || state === "aborted") return;
      state = "aborted";
      first.destroy();
      await pump.catch(() => {});
      await sink.abort();
    },
  };
}

/**
 * sha256 of a stream's decoded text before its last line (the trailer): bytes are hashed
 * once a newline after them is followed by another, so what is held back at the end is
 * exactly the last line. Held bytes are views of the chunks, never copies.
 */
class TextHash {
  private readonly hash: Hash = createHash("sha256");
  private held: Uint8Array[] = [];
  // Where the last newline among the held bytes is: held[index][offset].
  private newline: { index: number; offset: number } | undefined;

  add(chunk: Uint8Array): void {
    const last = chunk.lastIndexOf(0x0a);
    if (last === -1) {
      this.held.push(chunk);
      return;
    }
    const before = last === 0 ? -1 : chunk.lastIndexOf(0x0a, last - 1);
    if (before !== -1) {
      for (const piece of this.held) this.hash.update(piece);
      this.hash.update(chunk.subarray(0, before + 1));
      this.held = [chunk.subarray(before + 1)];
      this.newline = { index: 0, offset: last - before - 1 };
      return;
    }
    if (this.newline !== undefined) {
      const { index, offset } = this.newline;
      for (let i = 0; i < index; i++) this.hash.update(this.held[i] as Uint8Array);
      const split = this.held[index] as Uint8Array;
      this.hash.update(split.subarray(0, offset + 1));
      this.held = [split.subarray(offset + 1), ...this.held.slice(index + 1)];
    }
    this.held.push(chunk);
    this.newline = { index: this.held.length - 1, offset: last };
  }

  /** The hex digest; call once, after the last chunk. */
  digest(): string {
    return this.hash.digest("hex");
  }
}

/** The lines of a stream's decoded text, the last one included (no trailing newline kept). */
async function* linesOf(
  place: StreamPlace,
  chunks: AsyncIterable<Uint8Array>,
  codecs: readonly Codec[],
  textHash: TextHash,
): AsyncGenerator<string> {
  const source = Readable.from(chunks, { objectMode: false });
  let decodeError: Error | undefined;
  const stages = [...codecs].reverse().map((codec) => codec.decoder());
  const streams = [source, ...stages];
  let text: AsyncIterable<Buffer>;
  if (stages.length === 0) {
    text = source;
  } else {
    pipeline(streams, (error) => {
      if (error) decodeError = error;
    });
    text = stages[stages.length - 1]!;
  }
  const decoder = new StringDecoder("utf8");
  let pending: string[] = [];
  try {
    for await (const chunk of text) {
      textHash.add(chunk);
      const piece = decoder.write(chunk);
      let from = 0;
      for (let at = piece.indexOf("\n"); at !== -1; at = piece.indexOf("\n", from)) {
        pending.push(piece.slice(from, at));
        yield pending.length === 1 ? pending[0]! : pending.join("");
        pending = [];
        from = at + 1;
      }
      if (from < piece.length) pending.push(piece.slice(from));
    }
    const end = decoder.end();
    if (end) pending.push(end);
    if (pending.length > 0) yield pending.join("");
  } catch (error) {
    const cause = decodeError ?? error;
    if (cause instanceof StoreError) throw cause;
    const code = (cause as NodeJS.ErrnoException)?.code;
    // zlib's codes (`Z_BUF_ERROR` for a cut gzip member or brotli stream) and brotli's
    // own decoder codes (`ERR__ERROR_FORMAT_...`).
    if (typeof code === "string" && /^(?:Z_|ERR__ERROR_|ERR_BROTLI)/.test(code)) {
      throw corrupt(
        place,
        `the compressed bytes are damaged or truncated (${(cause as Error).message})`,
        cause,
      );
    }
    throw backendError(place, "read", cause);
  } finally {
    for (const stream of streams) stream.destroy();
  }
}

function parseLine(place: StreamPlace, line: string, what: string): unknown {
  try {
    return JSON.parse(line);
  } catch (cause) {
    throw corrupt(place, `${what} is not JSON (${(cause as Error).message})`, cause);
  }
}

/**
 * Opens a stored stream: reads its header (the envelope and layout) and returns a
 * reader that yields the records and checks the trailer (record count) at the end, so
 * a truncated stream is never read as a complete artifact.
 */
export async function openStreamReader(
  place: StreamPlace,
  chunks: AsyncIterable<Uint8Array>,
  codecs: readonly Codec[],
): Promise<ArtifactReader> {
  // Before streams named their stages, a stream stored without codecs was named as a
  // gzip'd one: it starts with `{`, which gzip output never does (0x1f 0x8b). Brotli
  // has no magic to tell it by, and its streams always named their stage.
  const iterator = chunks[Symbol.asyncIterator]();
  const firstChunk = await iterator.next().catch((error) => {
    throw backendError(place, "read", error);
  });
  const raw =
    codecs.length > 0 &&
    codecTag(codecs[0]!) === "gz" &&
    !firstChunk.done &&
    firstChunk.value[0] === 0x7b;
  const replayed: AsyncIterable<Uint8Array> = {
    async *[Symbol.asyncIterator]() {
      try {
        if (firstChunk.done) return;
        yield firstChunk.value;
        for (;;) {
          const next = await iterator.next();
          if (next.done) return;
          yield next.value;
        }
      } finally {
        await iterator.return?.();
      }
    },
  };
  const textHash = new TextHash();
  const lines = linesOf(place, replayed, raw ? [] : codecs, textHash);
  // A compressed stream's text is checked whole (brotli's by the trailer's text_sha256,
  // which came with it; gzip's by its CRC), so a record need not be parsed to be
  // checked. An uncompressed one written before the checksum existed has only parsing.
  const checkedWhole = !raw && codecs.length > 0;
  const headerLine = await lines.next();
  if (headerLine.done) {
    await lines.return(undefined);
    throw corrupt(place, "the stream is empty");
  }
  const header = parseLine(place, headerLine.value, "the header line") as {
    format?: unknown;
    envelope?: unknown;
    layout?: { records_field?: unknown; head?: unknown };
  };
  const envelopeCheck = (await messageSchemas()).messageSchema.safeParse(header?.envelope);
  if (
    !isPlainObject(header) ||
    header.format !== STREAM_FORMAT ||
    !envelopeCheck.success ||
    !isPlainObject(header.layout) ||
    typeof header.layout.records_field !== "string" ||
    !isPlainObject(header.layout.head)
  ) {
    await lines.return(undefined);
    throw corrupt(place, `the header line is not a ${STREAM_FORMAT} header`);
  }
  let envelope = header.envelope as Message;
  const layout: StreamLayout = {
    recordsField: header.layout.records_field,
    head: header.layout.head,
  };

  let lookahead: IteratorResult<string> | undefined;
  let count = 0;
  let summary: Record<string, unknown> | undefined;
  let closed = false;

  // One record at a time; the line after it decides whether it is a record or the
  // trailer, so a stream cut at a line boundary fails the trailer check. `parse: false`
  // passes over a record without parsing it (its value is then `undefined`).
  async function nextRecord(
    parse = true,
  ): Promise<{ done: true } | { done: false; value: unknown }> {
    if (summary !== undefined) return { done: true };
    if (closed) throw invalidValue(place, "the reader is closed");
    const current = lookahead ?? (await lines.next());
    if (current.done) throw corrupt(place, "the stream ends without its trailer (truncated)");
    lookahead = await lines.next();
    if (!lookahead.done) {
      count++;
      return {
        done: false,
        value: parse ? parseLine(place, current.value, `record ${count}`) : undefined,
      };
    }
    const trailer = parseLine(place, current.value, "the trailer line") as {
      format?: unknown;
      end?: unknown;
      records?: unknown;
      summary?: unknown;
      execution?: unknown;
      text_sha256?: unknown;
    };
    if (
      !isPlainObject(trailer) ||
      trailer.format !== STREAM_FORMAT ||
      trailer.end !== true ||
      trailer.records !== count ||
      !isPlainObject(trailer.summary)
    ) {
      throw corrupt(
        place,
        `the stream ends without a trailer matching its ${count} records (truncated)`,
      );
    }
    // Streams written before the field was added have none (gzip's CRC covered them).
    if (trailer.text_sha256 !== undefined && trailer.text_sha256 !== textHash.digest()) {
      throw corrupt(
        place,
        "its text does not match the checksum in its trailer (a damaged byte decoded without error)",
      );
    }
    if (trailer.execution !== undefined) {
      if (!(await messageSchemas()).executionRecordSchema.safeParse(trailer.execution).success) {
        throw corrupt(place, "the trailer's execution is not an execution record");
      }
      // In place: the key keeps its position, after `content`.
      envelope = { ...envelope, execution: trailer.execution as ExecutionRecord };
    }
    summary = trailer.summary;
    await close();
    return { done: true };
  }

  async function close(): Promise<void> {
    if (closed) return;
    closed = true;
    await lines.return(undefined);
  }

  return {
    get envelope() {
      return envelope;
    },
    layout,
    records(field) {
      if (field !== undefined && field !== layout.recordsField) {
        throw invalidValue(
          place,
          `the artifact streams its records under ${JSON.stringify(layout.recordsField)}, not ${JSON.stringify(field)}`,
        );
      }
      return {
        async *[Symbol.asyncIterator]() {
          for (;;) {
            const next = await nextRecord();
            if (next.done) return;
            yield next.value;
          }
        },
      };
    },
    async summary() {
      // Records the caller did not read are passed over to reach the trailer, unparsed
      // when the stream's text is checked whole (a findings summary after a run spent a
      // tenth of a second parsing 30,000 records it dropped): their count and the
      // checksum still hold them to what was written.
      while (!(await nextRecord(!checkedWhole)).done) {}
      return summary as Record<string, unknown>;
    },
    close,
  };
}

/** A reader over a plain Message already held in memory. */
export function plainReader(place: StreamPlace, message: Message): ArtifactReader {
  const envelope = { ...message, content: null } as Message;
  let usedField: string | undefined;
  return {
    envelope,
    layout: undefined,
    records(field) {
      const content = message.content;
      let items: unknown;
      if (field === undefined) {
        items = content;
      } else {
        usedField = field;
        items = isPlainObject(content) ? content[field] : undefined;
      }
      if (!Array.isArray(items)) {
        throw invalidValue(
          place,
          field === undefined
            ? "the artifact is a plain Message whose content is not an array; name the records field"
            : `the artifact's content holds no array at ${JSON.stringify(field)}`,
        );
      }
      const list = items;
      return {
        async *[Symbol.asyncIterator]() {
          yield* list;
        },
      };
    },
    async summary() {
      const content = message.content;
      if (!isPlainObject(content)) return {};
      const { [usedField ?? ""]: _dropped, ...rest } = content;
      return usedField === undefined ? { ...content } : rest;
    },
    async close() {},
  };
}

/** `{ ...head, [recordsField]: records, ...summary }`, the materialised content. */
export function materialise(
  layout: StreamLayout,
  records: unknown[],
  summary: Record<string, unknown>,
): Record<string, unknown> {
  return { ...layout.head, [layout.recordsField]: records, ...summary };
}

/** JSON text of an object's fields, without its braces (`"a":1,"b":2`), or "". */
export function fieldsJson(fields: Record<string, unknown>): string {
  const text = JSON.stringify(fields);
  return text.length <= 2 ? "" : text.slice(1, -1);
}

/** Batches text pieces into chunks of about {@link BATCH_BYTES} characters. */
export async function* batched(pieces: AsyncIterable<string>): AsyncGenerator<string> {
  let buffer: string[] = [];
  let length = 0;
  for await (const piece of pieces) {
    buffer.push(piece);
    length += piece.length;
    if (length >= BATCH_BYTES) {
      yield buffer.join("");
      buffer = [];
      length = 0;
    }
  }
  if (length > 0) yield buffer.join("");
}
