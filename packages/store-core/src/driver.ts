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
   * How many bytes are stored under the key, without reading them (a `stat`, a
   * `HEAD`); `undefined` when the key holds nothing.
   */
  size(runId: string, key: string): Promise<number | undefined>;
  /** Removes the key; returns `false` when it held nothing. */
  remove(runId: string, key: string): Promise<boolean>;
  /** Keys of the run that start with `prefix` (plain string prefix), in any order. */
  list(runId: string, prefix: string): Promise<string[]>;
  /** Ids of the runs that hold at least one key, in any order. */
  listRuns(): Promise<string[]>;
  /** Removes every key of the run; other runs are untouched. */
  clear(runId: string): Promise<void>;
  /** Where a key lives, for error messages (a file path, a URL). */
  describe(runId: string, key: string): string;
  /**
   * Removes what interrupted writes of the run left behind (temporary files of writers
   * that were killed) and can no longer belong to a live writer; returns how many.
   * Optional: a backend whose writes leave nothing behind omits it. Called only by the
   * holder of the run's lease.
   */
  sweep?(runId: string): Promise<number>;
  /** Releases resources (connections, handles). Optional. */
  close?(): Promise<void>;
}
