import { Buffer, isAscii, isUtf8 } from "node:buffer";
import { createHash } from "node:crypto";
import { brotliCodec, type Codec, codecTag, encodingOf, gzipCodec } from "./codec.js";
import type { StoreDriver, StoredStream } from "./driver.js";
import { CORRUPT_HINT, StoreError, StoreErrorCode } from "./errors.js";
import { isJsonText } from "./json-text.js";
import { validateKey, validatePrefix, validateRunId } from "./keys.js";
import type { Message } from "./message.js";
import { messageSchemas } from "./message-schemas.js";
import {
  type ArtifactReader,
  type ArtifactWriter,
  batched,
  checkLayout,
  createArtifactWriter,
  fieldsJson,
  materialise,
  openStreamReader,
  plainReader,
  type StreamLayout,
  type StreamPlace,
} from "./stream.js";

/** A JSON value read together with an opaque version, for {@link ArtifactStore.replaceJson}. */
export interface VersionedJson<T = unknown> {
  value: T;
  /** Opaque token naming exactly these stored bytes. */
  version: string;
}

/**
 * The run-scoped, stateless artifact store (run id on every call). Every method
 * validates its run id and key first (`ERR_INVALID_RUN_ID`, `ERR_INVALID_KEY`).
 */
export interface ArtifactStore {
  /** Backend name (`fs`, `memory`, ...). */
  readonly backend: string;
  /**
   * Saves a Message under the key, atomically replacing any previous value. Resolves
   * with its digest: `sha256:<hex>` of the bytes stored, equal to
   * `messageDigest(message)` and to what {@link ArtifactStore.digest} reads back.
   */
  save(runId: string, key: string, message: Message): Promise<string>;
  /**
   * Saves a Message whose content arrives as JSON text, stored verbatim: the stored
   * text is `envelope`'s JSON with its `content: null` placeholder replaced by
   * `contentJson` (so key order is the envelope's). Resolves with the digest, as `save`.
   * For `contentJson = JSON.stringify(content)` it stores the same bytes as
   * `save(runId, key, { ...envelope, content })`.
   *
   * Why it exists: a runner already holds the JSON text of a component's output (it
   * serialises it once to reject what is not JSON). Going through `save` would parse
   * that text back into objects only for `save` to serialise them again, with three
   * copies of a large artifact alive at once. Here the text is validated (it must be one
   * well-formed JSON value; `envelope` must be a Message) and copied once, into the
   * bytes written. Throws `ERR_INVALID_VALUE` when either is not valid; nothing is
   * stored then.
   *
   * Optional so that hand-written stores stay valid; every store made by
   * {@link createStore} has it.
   */
  saveMessageText?(
    runId: string,
    key: string,
    envelope: Message & { content: null },
    contentJson: string,
  ): Promise<string>;
  /**
   * The Message stored under the key. Throws `ERR_ARTIFACT_NOT_FOUND` when missing and
   * `ERR_CORRUPT_ENTRY` when the stored bytes are not a Message.
   */
  get(runId: string, key: string): Promise<Message>;
  /** Whether the key holds a value (of any kind). */
  exists(runId: string, key: string): Promise<boolean>;
  /**
   * `sha256:<hex>` of the bytes stored under the key, or `undefined` when it holds
   * nothing; nothing is parsed. For a Message this equals the digest `save` returned,
   * so checking that a stored artifact is intact costs a read and a hash.
   */
  digest(runId: string, key: string): Promise<string | undefined>;
  /**
   * How many bytes are stored under the key (plain or streamed), or `undefined` when it
   * holds nothing; nothing is read or parsed, so sizing a run costs a listing and a stat
   * per key.
   */
  size(runId: string, key: string): Promise<number | undefined>;
  /** Deletes the key. Throws `ERR_ARTIFACT_NOT_FOUND` when it held nothing. */
  delete(runId: string, key: string): Promise<void>;
  /** Keys of the run starting with `prefix` (default: all), sorted. */
  listKeys(runId: string, prefix?: string): Promise<string[]>;
  /** Ids of all runs with at least one key, sorted. */
  listRuns(): Promise<string[]>;
  /** Deletes every key of one run; other runs are untouched. */
  clear(runId: string): Promise<void>;
  /**
   * Deletes a whole run so that a crash at any point leaves it either whole, gone, or
   * visibly half-deleted, on every backend. A backend that can remove a run atomically
   * (`StoreDriver.removeRun`, e.g. fs) does so in one step: whole or gone. Otherwise it
   * first stores the tombstone {@link RUN_TOMBSTONE_KEY} (an atomic write), then removes
   * every other key, then the tombstone. A run holding the tombstone is half-deleted
   * (see {@link ArtifactStore.isDeleting}); calling `deleteRun` again finishes it.
   * Deleting a run that does not exist does nothing. Callers decide whether the run
   * may go (leases are theirs to check).
   */
  deleteRun(runId: string): Promise<void>;
  /** Whether the run holds the {@link RUN_TOMBSTONE_KEY} of an unfinished `deleteRun`. */
  isDeleting(runId: string): Promise<boolean>;
  /**
   * {@link ArtifactStore.listRuns} together with the runs among them that
   * {@link ArtifactStore.isDeleting} says are half-deleted (both sorted), in one pass
   * where the backend can (`StoreDriver.listRunsHolding`), else one check per run.
   */
  scanRuns(): Promise<{ runs: string[]; deleting: string[] }>;
  /**
   * {@link ArtifactStore.scanRuns}, plus the JSON value of `key` of each run where the
   * backend read it in the same pass (`StoreDriver.listRunsReading`), with its stored
   * size in bytes: a listing of thousands of runs in one pass instead of a read per run.
   * A run absent from `values` was not read in the pass (its key is missing, streamed,
   * unreadable or not JSON, or the backend has no such pass): read it with `getJson`,
   * which says why.
   */
  scanRunsReading(key: string): Promise<{
    runs: string[];
    deleting: string[];
    values: Map<string, { value: unknown; size: number }>;
  }>;
  /** Saves any JSON value under the key, atomically. */
  saveJson(runId: string, key: string, data: unknown): Promise<void>;
  /** The JSON value under the key (`ERR_ARTIFACT_NOT_FOUND`, `ERR_CORRUPT_ENTRY`). */
  getJson<T = unknown>(runId: string, key: string): Promise<T>;
  /**
   * Lease primitive: stores the JSON value only if the key holds nothing. Returns
   * `true` when this call created it; of many concurrent callers exactly one wins.
   */
  createJson(runId: string, key: string, data: unknown): Promise<boolean>;
  /** The JSON value with its version, or `undefined` when the key holds nothing. */
  readJsonVersioned<T = unknown>(runId: string, key: string): Promise<VersionedJson<T> | undefined>;
  /**
   * Lease primitive: replaces the value only if it is still the one read with
   * `version`. Returns `false` when someone changed or removed it in between.
   */
  replaceJson(runId: string, key: string, version: string, data: unknown): Promise<boolean>;
  /** Where a key lives, for messages (a file path, a URL). */
  describe(runId: string, key: string): string;
  /**
   * Removes leftovers of the run's interrupted writes (a killed writer's temporary
   * files) that no live writer can still own; resolves with how many (0 when the
   * backend leaves none). Call it only while holding the run's lease, e.g. on resume.
   */
  sweep(runId: string): Promise<number>;
  /** Releases the backend's resources. */
  close(): Promise<void>;
  /**
   * Starts a streamed artifact under the key: records go in one at a time (bounded
   * memory), framed as JSON lines behind a header (the envelope and layout) and before a
   * trailer (the summary, the record count and a checksum), through the codec stages
   * (brotli by default), to the backend, which keeps the stages' names with the bytes.
   * Nothing counts as stored until {@link ArtifactWriter.commit}; the key keeps its
   * previous value until then.
   * `envelope` must be a Message with `content: null` (`ERR_INVALID_VALUE`).
   * `ERR_STORE_BACKEND` when the backend cannot stream.
   */
  openArtifactWriter(
    runId: string,
    key: string,
    envelope: Message & { content: null },
    layout: StreamLayout,
  ): Promise<ArtifactWriter>;
  /**
   * Reads an artifact back, streamed or plain, with bounded memory for a streamed one.
   * `ERR_ARTIFACT_NOT_FOUND` when missing, `ERR_CORRUPT_ENTRY` when damaged (a
   * truncated stream fails when its end is reached).
   */
  openArtifactReader(runId: string, key: string): Promise<ArtifactReader>;
  /**
   * The whole Message as UTF-8 text chunks, never materialised: their concatenation
   * equals `JSON.stringify(await get(runId, key))`. For `wct inspect --json`.
   * Errors as {@link ArtifactStore.openArtifactReader}.
   */
  messageText(runId: string, key: string): AsyncIterable<string>;
}

/** Options of {@link createStore}. */
export interface CreateStoreOptions {
  /**
   * The byte stages new streamed artifacts are written with, in order (and undone in
   * reverse on read). Default `[brotliCodec()]`. `[]` stores plain JSON lines. Plain
   * Messages (`save`, `saveJson`) are never encoded. A stage's tag
   * ({@link Codec.tag}) must be lower-case letters and digits (`ERR_STORE_OPTIONS`).
   */
  codecs?: readonly Codec[];
  /**
   * Further stages a reader may meet, found by tag: a stream names the stages it was
   * written with, and each is undone by the stage of that tag in `codecs`, else here.
   * Default `[brotliCodec(), gzipCodec()]`, so streams written before brotli became the
   * default (`gz`) stay readable whatever `codecs` says.
   */
  decoders?: readonly Codec[];
}

/**
 * Key of the tombstone {@link ArtifactStore.deleteRun} stores before removing a run's
 * keys. It starts with `_`, so it never collides with an artifact id.
 */
export const RUN_TOMBSTONE_KEY = "_deleting";

const SCAN_CONCURRENCY = 64;

/**
 * The text of stored UTF-8 bytes, as a fatal `TextDecoder` reads them (a leading BOM
 * dropped, invalid UTF-8 an error), about twice as fast on large values: Node 20's
 * `TextDecoder` decodes at about 200 MB/s, while ASCII, what JSON of ordinary data
 * mostly is, is copied as Latin-1 once `isAscii` has checked it.
 */
function decodeUtf8(stored: Uint8Array): string {
  const bom = stored[0] === 0xef && stored[1] === 0xbb && stored[2] === 0xbf;
  const bytes = Buffer.from(
    stored.buffer,
    stored.byteOffset + (bom ? 3 : 0),
    stored.byteLength - (bom ? 3 : 0),
  );
  if (isAscii(bytes)) return bytes.toString("latin1");
  if (!isUtf8(bytes)) throw new TypeError("the bytes are not valid UTF-8");
  return bytes.toString("utf8");
}

function encode(runId: string, key: string, data: unknown): Uint8Array {
  let text: string | undefined;
  try {
    text = JSON.stringify(data);
  } catch (cause) {
    throw new StoreError(
      StoreErrorCode.InvalidValue,
      `cannot store ${key} of run ${runId}: the value is not JSON-serialisable (${(cause as Error).message})`,
      { runId, key, cause },
    );
  }
  if (text === undefined) {
    throw new StoreError(
      StoreErrorCode.InvalidValue,
      `cannot store ${key} of run ${runId}: the value is not JSON (got ${typeof data})`,
      { runId, key },
    );
  }
  // Buffer's encoder: Node 20's TextEncoder is about ten times slower on large values.
  return Buffer.from(text, "utf8");
}

async function notAMessage(
  runId: string,
  key: string,
  message: unknown,
): Promise<StoreError | undefined> {
  const checked = (await messageSchemas()).messageSchema.safeParse(message);
  if (checked.success) return undefined;
  return new StoreError(
    StoreErrorCode.InvalidValue,
    `cannot save ${key} of run ${runId}: not a Message (${checked.error.issues
      .map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`)
      .join("; ")})`,
    { runId, key },
  );
}

// ES2024, on Node 20 already; O(1) for one-byte strings.
type MaybeWellFormed = string & { isWellFormed(): boolean };

/**
 * UTF-8 bytes of the envelope's JSON with `contentJson` in place of its `content`,
 * written piece by piece into one buffer: no concatenated copy of the text is made.
 */
function encodeMessageText(
  runId: string,
  key: string,
  envelope: Message,
  contentJson: string,
): Uint8Array {
  const invalid = (why: string, cause?: unknown) =>
    new StoreError(
      StoreErrorCode.InvalidValue,
      `cannot save ${key} of run ${runId}: ${why}`,
      cause === undefined ? { runId, key } : { runId, key, cause },
    );
  if (!Object.hasOwn(envelope, "content") || envelope.content !== null) {
    throw invalid("the envelope must hold `content: null` where the content text goes");
  }
  if (typeof contentJson !== "string" || !(contentJson as MaybeWellFormed).isWellFormed()) {
    throw invalid("the content text is not a well-formed string");
  }
  if (!isJsonText(contentJson)) throw invalid("the content text is not one JSON value");
  // Each side stringified as one object, so nested toJSON, getters and escaping behave
  // exactly as in JSON.stringify of the whole Message.
  const keys = Object.keys(envelope);
  const at = keys.indexOf("content");
  const side = (from: number, to: number) =>
    JSON.stringify(Object.fromEntries(keys.slice(from, to).map((k) => [k, envelope[k]])));
  const before = side(0, at);
  const after = side(at + 1, keys.length);
  const head = `${before === "{}" ? "{" : `${before.slice(0, -1)},`}"content":`;
  const tail = after === "{}" ? "}" : `,${after.slice(1)}`;
  const sizes = [head, contentJson, tail].map((part) => Buffer.byteLength(part, "utf8"));
  // Every byte is written: the three parts fill it exactly.
  const bytes = Buffer.allocUnsafe(sizes[0]! + sizes[1]! + sizes[2]!);
  bytes.write(head, 0, "utf8");
  bytes.write(contentJson, sizes[0]!, "utf8");
  bytes.write(tail, sizes[0]! + sizes[1]!, "utf8");
  return bytes;
}

function versionOf(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

// The same text as `messageDigest`: the bytes are the UTF-8 of JSON.stringify(value).
function digestOf(bytes: Uint8Array): string {
  return `sha256:${versionOf(bytes)}`;
}

async function backendCall<T>(
  driver: StoreDriver,
  runId: string,
  key: string | undefined,
  op: string,
  fn: () => Promise<T>,
): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof StoreError) throw error;
    const where = key === undefined ? `run ${runId}` : driver.describe(runId, key);
    throw new StoreError(
      StoreErrorCode.Backend,
      `${driver.name} store could not ${op} ${where}: ${(error as Error)?.message ?? String(error)}`,
      key === undefined ? { runId, cause: error } : { runId, key, cause: error },
    );
  }
}

/**
 * Wraps a {@link StoreDriver} into an {@link ArtifactStore}: validates run ids and
 * keys, does JSON, checks Messages on the way out and shapes errors, once for every
 * backend.
 */
export function createStore(driver: StoreDriver, options: CreateStoreOptions = {}): ArtifactStore {
  const codecs = options.codecs ?? [brotliCodec()];
  let encoding: string;
  try {
    encoding = encodingOf(codecs);
  } catch (cause) {
    throw new StoreError(
      StoreErrorCode.InvalidOptions,
      `cannot create the ${driver.name} store: ${(cause as Error).message}`,
      { cause, hint: "Give the codec a tag of lower-case letters and digits." },
    );
  }
  // By tag; the write stages first, so a store reads back what it writes with its own.
  const decoders = new Map<string, Codec>();
  for (const codec of [...codecs, ...(options.decoders ?? [brotliCodec(), gzipCodec()])]) {
    if (!decoders.has(codecTag(codec))) decoders.set(codecTag(codec), codec);
  }
  const streams = driver.openWrite !== undefined && driver.readStream !== undefined;
  const placeOf = (runId: string, key: string, stored?: string): StreamPlace => ({
    runId,
    key,
    describe: driver.describeStream?.(runId, key, stored) ?? driver.describe(runId, key),
    backend: driver.name,
  });
  const notFound = (runId: string, key: string) =>
    new StoreError(
      StoreErrorCode.ArtifactNotFound,
      `nothing is stored at ${key} of run ${runId} (${driver.describe(runId, key)})`,
      { runId, key },
    );

  // The key's stream form, already validated; `undefined` when it holds none.
  async function streamForm(runId: string, key: string): Promise<StoredStream | undefined> {
    if (!streams) return undefined;
    return backendCall(driver, runId, key, "read", async () =>
      (driver.readStream as NonNullable<StoreDriver["readStream"]>)(runId, key),
    );
  }

  // The stages that undo `stored`, in write order.
  function stagesOf(place: StreamPlace, stored: string): Codec[] {
    const tags = stored === "" ? [] : stored.split(".");
    const unknown = tags.filter((tag) => !decoders.has(tag));
    if (unknown.length > 0) {
      throw new StoreError(
        StoreErrorCode.CorruptEntry,
        `${place.describe} cannot be read: it was written with the codec stage ${unknown.join(", ")} (encoding ${JSON.stringify(stored)}), which this store does not know`,
        {
          runId: place.runId,
          key: place.key,
          hint: `Open the store with that stage among its codecs or decoders, or ${CORRUPT_HINT.charAt(0).toLowerCase()}${CORRUPT_HINT.slice(1)}`,
        },
      );
    }
    return tags.map((tag) => decoders.get(tag) as Codec);
  }

  async function openStream(runId: string, key: string): Promise<ArtifactReader | undefined> {
    const form = await streamForm(runId, key);
    if (form === undefined) return undefined;
    const place = placeOf(runId, key, form.encoding);
    let stages: Codec[];
    try {
      stages = stagesOf(place, form.encoding);
    } catch (error) {
      await form.chunks[Symbol.asyncIterator]().return?.();
      throw error;
    }
    return openStreamReader(place, form.chunks, stages);
  }

  async function materialised(reader: ArtifactReader): Promise<Message> {
    try {
      const records: unknown[] = [];
      for await (const record of reader.records()) records.push(record);
      const content = materialise(reader.layout as StreamLayout, records, await reader.summary());
      return { ...reader.envelope, content };
    } finally {
      await reader.close();
    }
  }
  async function readBytes(runId: string, key: string): Promise<Uint8Array | undefined> {
    validateRunId(runId);
    validateKey(key);
    return backendCall(driver, runId, key, "read", () => driver.read(runId, key));
  }

  function parse(runId: string, key: string, bytes: Uint8Array): unknown {
    try {
      return JSON.parse(decodeUtf8(bytes));
    } catch (cause) {
      throw new StoreError(
        StoreErrorCode.CorruptEntry,
        `${driver.describe(runId, key)} is corrupt: it is not valid JSON (${(cause as Error).message})`,
        { runId, key, cause, hint: CORRUPT_HINT },
      );
    }
  }

  async function getJson<T>(runId: string, key: string): Promise<T> {
    const bytes = await readBytes(runId, key);
    if (bytes === undefined) {
      const stream = await openStream(runId, key);
      if (stream !== undefined) return (await materialised(stream)) as T;
      throw notFound(runId, key);
    }
    return parse(runId, key, bytes) as T;
  }

  async function checkMessage(runId: string, key: string, value: unknown): Promise<Message> {
    const checked = (await messageSchemas()).messageSchema.safeParse(value);
    if (!checked.success) {
      throw new StoreError(
        StoreErrorCode.CorruptEntry,
        `${driver.describe(runId, key)} is corrupt: it is JSON but not a Message (${checked.error.issues
          .map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`)
          .join("; ")})`,
        { runId, key, hint: CORRUPT_HINT },
      );
    }
    // The parsed JSON as stored (not zod's copy), so key order and extra fields
    // survive and a digest of it matches the stored bytes.
    return value as Message;
  }

  async function openArtifactReader(runId: string, key: string): Promise<ArtifactReader> {
    const bytes = await readBytes(runId, key);
    if (bytes !== undefined) {
      return plainReader(
        placeOf(runId, key),
        await checkMessage(runId, key, parse(runId, key, bytes)),
      );
    }
    const stream = await openStream(runId, key);
    if (stream === undefined) throw notFound(runId, key);
    return stream;
  }

  async function listRuns(): Promise<string[]> {
    const runs = await backendCall(driver, "*", undefined, "list runs of", () => driver.listRuns());
    return runs.sort();
  }

  async function scanRuns(): Promise<{ runs: string[]; deleting: string[] }> {
    const holding = driver.listRunsHolding;
    if (holding !== undefined) {
      const found = await backendCall(driver, "*", undefined, "list runs of", () =>
        holding.call(driver, RUN_TOMBSTONE_KEY),
      );
      return { runs: found.runs.sort(), deleting: found.holding.sort() };
    }
    const runs = await listRuns();
    const deleting: string[] = [];
    // A few at a time: a store of thousands of runs is one read per run.
    for (let i = 0; i < runs.length; i += SCAN_CONCURRENCY) {
      const batch = runs.slice(i, i + SCAN_CONCURRENCY);
      const marked = await Promise.all(batch.map((runId) => readBytes(runId, RUN_TOMBSTONE_KEY)));
      batch.forEach((runId, j) => {
        if (marked[j] !== undefined) deleting.push(runId);
      });
    }
    return { runs, deleting };
  }

  async function write(runId: string, key: string, data: unknown): Promise<Uint8Array> {
    validateRunId(runId);
    validateKey(key);
    const bytes = encode(runId, key, data);
    await backendCall(driver, runId, key, "write", () => driver.write(runId, key, bytes));
    return bytes;
  }

  return {
    backend: driver.name,
    async save(runId, key, message) {
      const invalid = await notAMessage(runId, key, message);
      if (invalid) {
        validateRunId(runId);
        validateKey(key);
        throw invalid;
      }
      return digestOf(await write(runId, key, message));
    },
    async saveMessageText(runId, key, envelope, contentJson) {
      validateRunId(runId);
      validateKey(key);
      const invalid = await notAMessage(runId, key, envelope);
      if (invalid) throw invalid;
      const bytes = encodeMessageText(runId, key, envelope, contentJson);
      await backendCall(driver, runId, key, "write", () => driver.write(runId, key, bytes));
      return digestOf(bytes);
    },
    async get(runId, key) {
      return await checkMessage(runId, key, await getJson<unknown>(runId, key));
    },
    async exists(runId, key) {
      if ((await readBytes(runId, key)) !== undefined) return true;
      if (!streams) return false;
      if (driver.size !== undefined) {
        const size = driver.size.bind(driver);
        return (
          (await backendCall(driver, runId, key, "read", () => size(runId, key))) !== undefined
        );
      }
      const form = await streamForm(runId, key);
      if (form === undefined) return false;
      await form.chunks[Symbol.asyncIterator]().return?.();
      return true;
    },
    async digest(runId, key) {
      const bytes = await readBytes(runId, key);
      if (bytes !== undefined) return digestOf(bytes);
      // A streamed artifact's digest is of its stored (encoded) bytes, whatever stages
      // encoded them: checking it on resume costs a read and a hash, no decoding, and a
      // gzip'd stream of an older run verifies as it did when it was written.
      const form = await streamForm(runId, key);
      if (form === undefined) return undefined;
      const hash = createHash("sha256");
      await backendCall(driver, runId, key, "read", async () => {
        for await (const chunk of form.chunks) hash.update(chunk);
      });
      return `sha256:${hash.digest("hex")}`;
    },
    async delete(runId, key) {
      validateRunId(runId);
      validateKey(key);
      const removed = await backendCall(driver, runId, key, "delete", () =>
        driver.remove(runId, key),
      );
      if (!removed) {
        throw new StoreError(
          StoreErrorCode.ArtifactNotFound,
          `cannot delete ${key} of run ${runId}: nothing is stored there`,
          { runId, key },
        );
      }
    },
    async listKeys(runId, prefix = "") {
      validateRunId(runId);
      validatePrefix(prefix);
      const keys = await backendCall(driver, runId, undefined, "list", () =>
        driver.list(runId, prefix),
      );
      return keys.filter((k) => k.startsWith(prefix)).sort();
    },
    listRuns,
    async clear(runId) {
      validateRunId(runId);
      await backendCall(driver, runId, undefined, "clear", () => driver.clear(runId));
    },
    async deleteRun(runId) {
      validateRunId(runId);
      const removeRun = driver.removeRun;
      if (removeRun !== undefined) {
        // One atomic step, no tombstone: nothing to mark when a crash cannot leave the
        // run half there. A run another path left half-deleted goes the same way.
        await backendCall(driver, runId, undefined, "delete", () => removeRun.call(driver, runId));
        return;
      }
      const keys = await backendCall(driver, runId, undefined, "list", () =>
        driver.list(runId, ""),
      );
      if (keys.length === 0) return;
      // The tombstone goes first: until it is stored nothing is removed, and once it is,
      // a crash leaves a run that says it is half-deleted rather than one that looks whole.
      if (!keys.includes(RUN_TOMBSTONE_KEY)) {
        const tombstone = encode(runId, RUN_TOMBSTONE_KEY, {
          deleting_since: new Date().toISOString(),
        });
        await backendCall(driver, runId, RUN_TOMBSTONE_KEY, "write", () =>
          driver.write(runId, RUN_TOMBSTONE_KEY, tombstone),
        );
      }
      await Promise.all(
        keys
          .filter((key) => key !== RUN_TOMBSTONE_KEY)
          .map((key) => backendCall(driver, runId, key, "delete", () => driver.remove(runId, key))),
      );
      // Last: the tombstone and whatever the backend keeps for the run (folders).
      await backendCall(driver, runId, undefined, "clear", () => driver.clear(runId));
    },
    async isDeleting(runId) {
      return (await readBytes(runId, RUN_TOMBSTONE_KEY)) !== undefined;
    },
    scanRuns,
    async scanRunsReading(key) {
      validateKey(key);
      const values = new Map<string, { value: unknown; size: number }>();
      const reading = driver.listRunsReading;
      if (reading === undefined) return { ...(await scanRuns()), values };
      const found = await backendCall(driver, "*", undefined, "list runs of", () =>
        reading.call(driver, RUN_TOMBSTONE_KEY, key),
      );
      for (const [runId, bytes] of found.values) {
        try {
          values.set(runId, { value: JSON.parse(decodeUtf8(bytes)), size: bytes.byteLength });
        } catch {
          // Left to getJson, whose error says where and what to do.
        }
      }
      return { runs: found.runs.sort(), deleting: found.holding.sort(), values };
    },
    async saveJson(runId, key, data) {
      await write(runId, key, data);
    },
    getJson,
    async createJson(runId, key, data) {
      validateRunId(runId);
      validateKey(key);
      const bytes = encode(runId, key, data);
      return backendCall(driver, runId, key, "create", () => driver.create(runId, key, bytes));
    },
    async readJsonVersioned<T>(runId: string, key: string) {
      const bytes = await readBytes(runId, key);
      if (bytes === undefined) return undefined;
      return { value: parse(runId, key, bytes) as T, version: versionOf(bytes) };
    },
    async replaceJson(runId, key, version, data) {
      const current = await readBytes(runId, key);
      if (current === undefined || versionOf(current) !== version) return false;
      const bytes = encode(runId, key, data);
      return backendCall(driver, runId, key, "replace", () =>
        driver.replace(runId, key, current, bytes),
      );
    },
    describe: (runId, key) => driver.describe(runId, key),
    async sweep(runId) {
      validateRunId(runId);
      const sweep = driver.sweep;
      if (sweep === undefined) return 0;
      return backendCall(driver, runId, undefined, "sweep", () => sweep.call(driver, runId));
    },
    async close() {
      await driver.close?.();
    },
    async openArtifactWriter(runId, key, envelope, layout) {
      validateRunId(runId);
      validateKey(key);
      const place = placeOf(runId, key, encoding);
      const invalid = await notAMessage(runId, key, envelope);
      if (invalid) throw invalid;
      if (!Object.hasOwn(envelope, "content") || envelope.content !== null) {
        throw new StoreError(
          StoreErrorCode.InvalidValue,
          `cannot store ${key} of run ${runId}: the envelope must hold \`content: null\``,
          { runId, key },
        );
      }
      checkLayout(place, layout);
      // Checked before the backend is touched, so a bad head leaves nothing behind.
      encode(runId, key, layout.head ?? {});
      if (!streams) {
        throw new StoreError(
          StoreErrorCode.Backend,
          `the ${driver.name} store cannot hold streamed artifacts (its driver has no openWrite/readStream); save ${key} of run ${runId} as a plain Message`,
          { runId, key },
        );
      }
      const openWrite = (driver.openWrite as NonNullable<StoreDriver["openWrite"]>).bind(driver);
      const sink = await backendCall(driver, runId, key, "write", () =>
        openWrite(runId, key, encoding),
      );
      return createArtifactWriter(place, sink, codecs, envelope, layout);
    },
    openArtifactReader,
    messageText(runId, key) {
      return batched(messagePieces(runId, key));
    },
    async size(runId, key) {
      validateRunId(runId);
      validateKey(key);
      return backendCall(driver, runId, key, "size", () => driver.size(runId, key));
    },
  };

  async function* messagePieces(runId: string, key: string): AsyncGenerator<string> {
    const bytes = await readBytes(runId, key);
    if (bytes !== undefined) {
      // Stored by `save` as exactly JSON.stringify of the Message; checked all the same.
      const message = await checkMessage(runId, key, parse(runId, key, bytes));
      yield JSON.stringify(message);
      return;
    }
    const reader = await openStream(runId, key);
    if (reader === undefined) throw notFound(runId, key);
    try {
      const layout = reader.layout as StreamLayout;
      const keys = Object.keys(reader.envelope);
      const at = keys.indexOf("content");
      const side = (from: number, to: number) =>
        fieldsJson(Object.fromEntries(keys.slice(from, to).map((k) => [k, reader.envelope[k]])));
      const before = side(0, at);
      const head = fieldsJson(layout.head ?? {});
      yield `{${before}${before ? "," : ""}"content":{${head}${head ? "," : ""}${JSON.stringify(layout.recordsField)}:[`;
      let first = true;
      for await (const record of reader.records()) {
        yield first ? JSON.stringify(record) : `,${JSON.stringify(record)}`;
        first = false;
      }
      const summary = fieldsJson(await reader.summary());
      // After the trailer: the envelope holds the final execution, when one was committed.
      const after = side(at + 1, keys.length);
      yield `]${summary ? "," : ""}${summary}}${after ? "," : ""}${after}}`;
    } finally {
      await reader.close();
    }
  }
}
