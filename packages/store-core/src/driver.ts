/**
 * A streamed write of one key's bytes, chunk by chunk. Nothing counts as stored until
 * {@link ChunkSink.commit} resolves; then the whole byte sequence replaces what the key
 * held, atomically. {@link ChunkSink.abort} (or a crash) leaves the key as it was.
 */
export interface ChunkSink {
  /** Appends a chunk. Awaiting it is the backpressure. */
  write(chunk: Uint8Array): Promise<void>;
  /** Makes the bytes written durable and publishes them under the key, atomically. */
  commit(): Promise<void>;
  /** Discards what was written; idempotent, safe after a failed write or commit. */
  abort(): Promise<void>;
}

/** A key's stream form as a driver reads it back (see {@link StoreDriver.readStream}). */
export interface StoredStream {
  /**
   * The codec stages the bytes went through, as given to {@link StoreDriver.openWrite}:
   * tags in write order joined by `.` (`br`, `gz`), `""` for plain JSON lines.
   */
  encoding: string;
  /** The stored bytes in order. */
  chunks: AsyncIterable<Uint8Array>;
}

/**
 * The encodings of the built-in codec stages, newest first: brotli (`br`, what a store
 * writes by default), gzip (`gz`, what runs stored before brotli hold) and none (`""`).
 * A backend that has to look a stream form up by its name (the fs store's
 * `<key>.jsonl.<encoding>`) looks for these; a further codec is one more entry here.
 */
export const STREAM_ENCODINGS: readonly string[] = ["br", "gz", ""];

/**
 * What a backend implements: bytes in, bytes out, per run and key. Keys and run ids
 * reaching a driver are already validated by {@link createStore}; JSON and error
 * shaping happen there too, so a driver stays small.
 *
 * Keys are `/`-separated (`_system/run`, `findings`). A driver must make every write
 * atomic: a reader sees the old bytes or the new bytes, never a mix or a prefix.
 */
export interface StoreDriver {
  /** Short backend name used in messages (`fs`, `memory`, `http`). */
  readonly name: string;
  /** The bytes stored under the key, or `undefined` when there are none. */
  read(runId: string, key: string): Promise<Uint8Array | undefined>;
  /** Stores the bytes, replacing what was there, atomically. */
  write(runId: string, key: string, data: Uint8Array): Promise<void>;
  /**
   * Atomic create-if-absent: stores the bytes only when the key holds nothing.
   * Returns `true` when this call created it. Of many concurrent callers exactly one
   * gets `true`.
   */
  create(runId: string, key: string, data: Uint8Array): Promise<boolean>;
  /**
   * Atomic compare-and-replace: stores `data` only when the key currently holds
   * exactly `expected`. Returns `true` when it replaced. A stale expectation, or a
   * missing key, returns `false`.
   */
  replace(runId: string, key: string, expected: Uint8Array, data: Uint8Array): Promise<boolean>;
  /**
   * How many bytes are stored under the key in either form, without reading them (a
   * `stat`, a `HEAD`); `undefined` when the key holds nothing.
   */
  size(runId: string, key: string): Promise<number | undefined>;
  /** Removes the key (either form); returns `false` when it held nothing. */
  remove(runId: string, key: string): Promise<boolean>;
  /**
   * Keys of the run that start with `prefix` (plain string prefix), in any order; a key
   * held in stream form is listed once, under its key.
   */
  list(runId: string, prefix: string): Promise<string[]>;
  /** Ids of the runs that hold at least one key, in any order. */
  listRuns(): Promise<string[]>;
  /**
   * What {@link StoreDriver.listRuns} returns, and among those runs the ones that hold
   * `key` (either form), found in the same pass over the runs. Optional: without it
   * the store asks {@link StoreDriver.read} once per run.
   */
  listRunsHolding?(key: string): Promise<{ runs: string[]; holding: string[] }>;
  /**
   * One pass over the runs for a listing: their ids (as {@link StoreDriver.listRuns}),
   * those among them holding the plain form of `marker` (`holding`: what
   * {@link StoreDriver.read} would find), and the bytes of the plain form of `key` of
   * each run where the pass could read them (`values`, by run id), as `read` would
   * return them. A run absent from `values` holds no plain `key`, or the pass could not read it
   * (permissions, a link, not a regular file): the store leaves that run to `read`,
   * which says which. Optional: without it the store reads `key` run by run.
   */
  listRunsReading?(
    marker: string,
    key: string,
  ): Promise<{ runs: string[]; holding: string[]; values: Map<string, Uint8Array> }>;
  /** Removes every key of the run; other runs are untouched. */
  clear(runId: string): Promise<void>;
  /**
   * Removes the whole run in one atomic step: a reader, and a crash at any moment, sees
   * every key of it or none (the fs backend renames its folder out of sight, then
   * removes it). Optional: without it {@link ArtifactStore.deleteRun} removes the keys
   * one by one behind a tombstone. A run that does not exist is no error.
   */
  removeRun?(runId: string): Promise<void>;
  /** Where a key lives, for error messages (a file path, a URL). */
  describe(runId: string, key: string): string;
  /**
   * Removes what interrupted writes of the run left behind (temporary files of writers
   * that were killed) and can no longer belong to a live writer; returns how many.
   * Optional: a backend whose writes leave nothing behind omits it. Called only by the
   * holder of the run's lease.
   */
  sweep?(runId: string): Promise<number>;
  /**
   * Opens a streamed write of the key's **stream form** (the framed, encoded bytes of a
   * streamed artifact, see {@link ChunkSink}). `encoding` names the codec stages the
   * bytes went through (`br`, `gz`, `br.aes`, `""` for none; see {@link StoredStream}):
   * the driver stores it with the bytes and gives it back from `readStream`, since a
   * reader cannot always tell it from the bytes. A key holds one form at a time:
   * committing the stream form removes the plain form (`write`) and any stream form of
   * another encoding, and a plain `write` removes every stream form, so `read` and
   * `readStream` never both see a value once either settles. A driver may refuse an
   * encoding it cannot name (the fs driver knows {@link STREAM_ENCODINGS}).
   * Optional: without it (and `readStream`), the store refuses streamed artifacts.
   */
  openWrite?(runId: string, key: string, encoding: string): Promise<ChunkSink>;
  /**
   * The key's stream form, or `undefined` when the key holds none: its chunks in order
   * (each chunk may be reused by nobody after it is yielded; memory stays bounded by one
   * chunk) and the encoding it was written with.
   */
  readStream?(runId: string, key: string): Promise<StoredStream | undefined>;
  /**
   * Where a key's stream form of `encoding` lives (the one stored when `encoding` is
   * omitted), for messages; defaults to {@link StoreDriver.describe}.
   */
  describeStream?(runId: string, key: string, encoding?: string): string;
  /** Releases resources (connections, handles). Optional. */
  close?(): Promise<void>;
}
