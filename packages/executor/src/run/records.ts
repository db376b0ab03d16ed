import { Buffer } from "node:buffer";
import { hostname } from "node:os";
import type { SchemaRef } from "@wct/plugin-api";
import type { ArtifactReader, ArtifactStore } from "@wct/store-core";
// The light entry: listing runs must not load what it does not use.
import { errorProblem, isStoreError } from "@wct/store-core/errors";
import { z } from "zod";
import { ExecutorError, ExecutorErrorCode } from "../errors.js";
import { mapWithLimit } from "./concurrency.js";
import { LOCK_KEY, PLAN_KEY, RUN_KEY, STATE_KEY } from "./layout.js";
import { isLeaseStale, type LeaseRecord } from "./lease.js";
import type { RunListing, RunMetadata, RunRecord, RunState } from "./types.js";

/** Parallel store reads for listings and checks: enough to hide latency, not a flood. */
export const READ_CONCURRENCY = 64;

/**
 * The full id of the run named by `idOrPrefix`: an exact id, or a prefix that matches
 * exactly one run. `ERR_RUN_NOT_FOUND` when none matches, `ERR_RUN_AMBIGUOUS` (with
 * `details.candidates`) when several do.
 */
export async function resolveRunId(store: ArtifactStore, idOrPrefix: string): Promise<string> {
  const runs = await store.listRuns();
  if (runs.includes(idOrPrefix)) return idOrPrefix;
  const candidates = idOrPrefix === "" ? [] : runs.filter((id) => id.startsWith(idOrPrefix));
  if (candidates.length === 1) return candidates[0]!;
  if (candidates.length === 0) {
    const close = closeRunIds(runs, idOrPrefix);
    throw new ExecutorError(
      ExecutorErrorCode.RunNotFound,
      `no run matches "${idOrPrefix}" in the ${store.backend} store${close.length ? ` (closest: ${close.join(", ")})` : ""}. List runs with \`wct runs\`.`,
      { details: { run_id: idOrPrefix, close_matches: close } },
    );
  }
  throw new ExecutorError(
    ExecutorErrorCode.RunAmbiguous,
    `"${idOrPrefix}" matches ${candidates.length} runs (${candidates.slice(0, 10).join(", ")}${candidates.length > 10 ? ", ..." : ""}). Give more characters of the run id.`,
    { details: { run_id: idOrPrefix, candidates } },
  );
}

/** Up to 3 run ids sharing the longest common prefix (at least 4 characters) with `text`. */
function closeRunIds(runs: readonly string[], text: string): string[] {
  const common = (id: string) => {
    let n = 0;
    while (n < id.length && n < text.length && id[n] === text[n]) n++;
    return n;
  };
  const best = runs.reduce((max, id) => Math.max(max, common(id)), 0);
  return best < 4 ? [] : runs.filter((id) => common(id) === best).slice(0, 3);
}

function corrupt(runId: string, what: string, error: unknown): ExecutorError {
  const cause = (error as { cause?: { code?: unknown } } | null)?.cause?.code;
  const remedy =
    cause === "EACCES" || cause === "EPERM"
      ? "give this user access to the run's folder (chmod/chown), then retry"
      : "restore the file if you have a copy, or start a new run";
  return new ExecutorError(
    ExecutorErrorCode.RunCorrupt,
    `the ${what} of run ${runId} cannot be read: ${errorProblem(error)}. wct cannot resume or inspect this run; ${remedy}.`,
    { details: { run_id: runId }, cause: error },
  );
}

// Only what every version of wct has written is required, and unknown keys are kept
// (loose objects), so that records of newer and older versions stay readable: see
// "Persistence" in packages/executor/README.md.
const runMetadataSchema = z.looseObject({
  run_id: z.string(),
  runbook_hash: z.string(),
  started_at: z.string(),
  status: z.string(),
  attempts: z.array(z.unknown()),
});

const artifactIds = z.array(z.string());

const runStateSchema = z.looseObject({
  completed: artifactIds,
  failed: artifactIds,
  skipped: artifactIds,
  not_started: artifactIds,
});

/**
 * The record `value` as `T` when `schema` accepts it; otherwise the `ERR_RUN_CORRUPT`
 * error naming the key and each problem at its dot path (`attempts: expected array`).
 */
function parseRecord<T>(
  schema: z.ZodType,
  value: unknown,
  store: ArtifactStore,
  runId: string,
  key: string,
  what: string,
): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data as T;
  const problems = result.error.issues
    .map((issue) => `${issue.path.map(String).join(".") || "(the whole record)"}: ${issue.message}`)
    .join("; ");
  throw corrupt(
    runId,
    what,
    new Error(`${store.describe(runId, key)} is not a run ${what} (${problems})`),
  );
}

/** `run.json` of a run: `ERR_RUN_NOT_FOUND` when absent, `ERR_RUN_CORRUPT` when unreadable. */
export async function readRunMetadata(store: ArtifactStore, runId: string): Promise<RunMetadata> {
  let value: unknown;
  try {
    value = await store.getJson(runId, RUN_KEY);
  } catch (error) {
    if (isStoreError(error, "ERR_ARTIFACT_NOT_FOUND")) {
      throw new ExecutorError(
        ExecutorErrorCode.RunNotFound,
        `run ${runId} does not exist in the ${store.backend} store (no ${RUN_KEY}). List runs with \`wct runs\`.`,
        { details: { run_id: runId } },
      );
    }
    throw corrupt(runId, "metadata", error);
  }
  return parseRecord<RunMetadata>(runMetadataSchema, value, store, runId, RUN_KEY, "metadata");
}

/** `state.json` of a run, or `undefined` when there is none yet. `ERR_RUN_CORRUPT` when unreadable. */
export async function readRunState(
  store: ArtifactStore,
  runId: string,
): Promise<RunState | undefined> {
  let value: unknown;
  try {
    value = await store.getJson(runId, STATE_KEY);
  } catch (error) {
    if (isStoreError(error, "ERR_ARTIFACT_NOT_FOUND")) return undefined;
    throw corrupt(runId, "state", error);
  }
  const state = parseRecord<RunState>(runStateSchema, value, store, runId, STATE_KEY, "state");
  return {
    ...state,
    digests: state.digests ?? {},
    durations_ms: state.durations_ms ?? {},
    errors: state.errors ?? {},
  };
}

/**
 * Metadata and state of one run (for `wct inspect`). `ERR_RUN_NOT_FOUND` when it does
 * not exist, `ERR_RUN_CORRUPT` when either cannot be read.
 */
export async function readRunInfo(
  store: ArtifactStore,
  runId: string,
): Promise<{ run: RunMetadata; state: RunState }> {
  // Read together, but the metadata's failure wins whichever settles first: a run
  // without run.json is not found (or never started), whatever its state holds.
  const [runRead, stateRead] = await Promise.allSettled([
    readRunMetadata(store, runId),
    readRunState(store, runId),
  ]);
  if (runRead.status === "rejected") throw runRead.reason;
  if (stateRead.status === "rejected") throw stateRead.reason;
  const run = runRead.value;
  const state = stateRead.value;
  if (state === undefined) {
    throw corrupt(runId, "state", new Error(`${store.describe(runId, STATE_KEY)} is missing`));
  }
  return { run, state };
}

/**
 * Time spent in the run's attempts; `null` while its last attempt has not ended. An
 * earlier attempt without an end was cut short by a crash: its length is unknown, and
 * it does not hide the duration of the attempts that did end.
 */
function attemptsDuration(run: RunMetadata): number | null {
  if (run.attempts.length === 0 || run.attempts.at(-1)?.ended_at == null) return null;
  let total = 0;
  for (const attempt of run.attempts) {
    if (attempt.ended_at == null) continue;
    const spent = Date.parse(attempt.ended_at) - Date.parse(attempt.started_at);
    if (Number.isFinite(spent)) total += spent;
  }
  return total;
}

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/**
 * When a run started, for ordering: its `started_at`, or for a run whose metadata
 * cannot be read the time in its id (run ids are UUIDv7), so that a broken run sorts
 * among the others by age instead of always last (where `limit` would hide it).
 */
export function sortTime(record: RunRecord): string {
  if ("started_at" in record) return record.started_at;
  if (!UUID_V7.test(record.run_id)) return "";
  const ms = Number.parseInt(record.run_id.slice(0, 8) + record.run_id.slice(9, 13), 16);
  const at = new Date(ms);
  return Number.isNaN(at.getTime()) ? "" : at.toISOString();
}

/**
 * The runs of a store for `wct runs`, newest first (by `started_at`, then id). A run
 * whose metadata or state cannot be read is listed as `unreadable` with the reason,
 * never dropped. `status` filters (use `"unreadable"` to see only broken runs);
 * `limit` keeps the newest n.
 */
export async function listRunRecords(
  store: ArtifactStore,
  options: { status?: RunRecord["status"]; limit?: number } = {},
): Promise<RunRecord[]> {
  // Half-deleted runs and each run's run.json come with the listing, in one pass: no
  // tombstone check nor read per run (a run the pass could not read is read alone).
  const { runs: ids, deleting, values } = await store.scanRunsReading(RUN_KEY);
  const marked = new Set(deleting);
  const records = new Array<RunRecord>(ids.length);
  // Nearly every run is finished and listed from the run.json the pass read: no promise
  // per run for those, only for the others.
  const others: number[] = [];
  ids.forEach((runId, i) => {
    const scanned = values.get(runId);
    const listed =
      scanned !== undefined &&
      !marked.has(runId) &&
      runMetadataSchema.safeParse(scanned.value).success
        ? listedRecord(runId, scanned.value as RunMetadata, scanned.size)
        : undefined;
    if (listed === undefined) others.push(i);
    else records[i] = listed;
  });
  const read = await mapWithLimit(others, READ_CONCURRENCY, (i) =>
    runRecord(store, ids[i] as string, marked.has(ids[i] as string), values.get(ids[i] as string)),
  );
  others.forEach((i, j) => {
    records[i] = read[j] as RunRecord;
  });
  const filtered =
    options.status === undefined ? records : records.filter((r) => r.status === options.status);
  // Plain code-point order: ISO times and ids compare correctly as strings, whatever the locale.
  const descending = (a: string, b: string) => (a < b ? 1 : a > b ? -1 : 0);
  filtered.sort((a, b) => descending(sortTime(a), sortTime(b)) || descending(a.run_id, b.run_id));
  return options.limit === undefined ? filtered : filtered.slice(0, options.limit);
}

/**
 * The line of a run whose metadata reads. Spelled out, not spread from a common base:
 * on Node 20 an object spread here cost tens of microseconds a run, a fifth of listing
 * 5,000 runs.
 */
function runLine(
  runId: string,
  run: RunMetadata,
  counts: RunListing["counts"],
  stale: boolean,
  sizeBytes: number,
): RunRecord {
  return {
    run_id: runId,
    status: run.status,
    runbook_path: run.runbook_path,
    started_at: run.started_at,
    completed_at: run.completed_at,
    duration_ms: attemptsDuration(run),
    attempts: run.attempts.length,
    counts,
    stale,
    size_bytes: sizeBytes,
  };
}

/**
 * The line of a finished run from its run.json alone (`runBytes`: its stored size, when
 * known), or `undefined` when run.json carries no current listing. A finished run says
 * there what its state would: state.json is read only for runs still running, cut
 * short, or written before run.json carried it.
 */
function listedRecord(
  runId: string,
  run: RunMetadata,
  runBytes: number | undefined,
): RunRecord | undefined {
  const listing = currentListing(run);
  if (listing === undefined) return undefined;
  return runLine(
    runId,
    run,
    listing.counts,
    false,
    listing.stored_bytes + (runBytes ?? jsonBytes(run)),
  );
}

/** One run's line of `wct runs`: its records, and its size recorded or else measured. */
async function runRecord(
  store: ArtifactStore,
  runId: string,
  deleting: boolean,
  scanned: { value: unknown; size: number } | undefined,
): Promise<RunRecord> {
  if (deleting) {
    return { run_id: runId, status: "deleting", size_bytes: await runSize(store, runId) };
  }
  try {
    const run =
      scanned !== undefined
        ? parseRecord<RunMetadata>(
            runMetadataSchema,
            scanned.value,
            store,
            runId,
            RUN_KEY,
            "metadata",
          )
        : await readRunMetadata(store, runId).catch((error: unknown) => {
            // Listed, so it holds keys: without run.json it never started.
            if (error instanceof ExecutorError && error.code === ExecutorErrorCode.RunNotFound) {
              return undefined;
            }
            throw error;
          });
    if (run === undefined) {
      return { run_id: runId, status: "never_started", size_bytes: await runSize(store, runId) };
    }
    const listed = listedRecord(runId, run, scanned?.size);
    if (listed !== undefined) return listed;
    const state = await readRunState(store, runId);
    if (state === undefined) {
      throw corrupt(runId, "state", new Error(`${store.describe(runId, STATE_KEY)} is missing`));
    }
    const stale = run.status === "running" && (await isOwnerGone(store, runId));
    const size = recordedSize(run, state) ?? (await runSize(store, runId));
    return runLine(runId, run, stateCounts(state), stale, size);
  } catch (error) {
    const cause = (error as { cause?: unknown }).cause ?? error;
    const code = (cause as { code?: unknown }).code ?? (error as { code?: unknown }).code;
    return {
      run_id: runId,
      status: "unreadable",
      reason: `${typeof code === "string" ? code : ExecutorErrorCode.RunCorrupt}: ${cause instanceof Error ? cause.message : String(cause)}`,
      size_bytes: await runSize(store, runId).catch(() => 0),
    };
  }
}

function stateCounts(state: RunState): RunListing["counts"] {
  return {
    completed: state.completed.length,
    failed: state.failed.length,
    skipped: state.skipped.length,
    not_started: state.not_started.length,
  };
}

const count = z.int().nonnegative();

const runListingSchema = z.object({
  attempt: z.number(),
  counts: z.object({ completed: count, failed: count, skipped: count, not_started: count }),
  stored_bytes: count,
});

/**
 * The run's `listing` when it can stand in for its state: the run is finished and the
 * listing was written by the closing of its last attempt (an attempt opened since, by
 * any version of wct, makes it stale), with every figure a count. Otherwise `undefined`.
 */
function currentListing(run: RunMetadata): RunListing | undefined {
  if (run.status === "running") return undefined;
  const parsed = runListingSchema.safeParse(run.listing);
  if (!parsed.success) return undefined;
  const lastEnded = run.attempts.at(-1)?.ended_at != null;
  return parsed.data.attempt === run.attempts.length && lastEnded ? parsed.data : undefined;
}

/**
 * What the record closing attempt `attempt` carries for `wct runs`, from the final
 * `state` (already saved): its counts, and the bytes the run holds besides run.json.
 * `undefined` when the state's recorded sizes are not whole (the listing then reads
 * the state, and sizes the run key by key).
 */
export function runListing(attempt: number, state: RunState): RunListing | undefined {
  const bytes = stateStoredBytes(state);
  if (bytes === undefined) return undefined;
  return { attempt, counts: stateCounts(state), stored_bytes: bytes };
}

/**
 * A run's size from what it recorded: the `stored_bytes` of its artifacts and plan,
 * plus its run and state records, whose stored bytes are their JSON text (as every
 * store made by `createStore` writes them). `undefined` when the record cannot be
 * trusted to be whole, so the caller sizes the run key by key: a run written before
 * sizes were recorded, a run still running (or whose process died mid-write: it may
 * hold an artifact its last checkpoint does not name), or one missing a figure.
 */
export function recordedSize(run: RunMetadata, state: RunState): number | undefined {
  if (run.status === "running") return undefined;
  const bytes = stateStoredBytes(state);
  return bytes === undefined ? undefined : bytes + jsonBytes(run);
}

/** The state's recorded sizes plus its own JSON text; `undefined` when a figure is missing. */
function stateStoredBytes(state: RunState): number | undefined {
  const recorded = state.stored_bytes;
  if (recorded === undefined || !(PLAN_KEY in recorded)) return undefined;
  for (const id of state.completed) if (!(id in recorded)) return undefined;
  for (const id of state.failed) if (!(id in recorded)) return undefined;
  let total = 0;
  for (const bytes of Object.values(recorded)) {
    if (typeof bytes !== "number" || !Number.isFinite(bytes) || bytes < 0) return undefined;
    total += bytes;
  }
  return total + jsonBytes(state);
}

function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value), "utf8");
}

/**
 * The stored size of each of `keys` (default: every key of the run), from the store's
 * metadata (a stat per key), never from reading them. A key that vanishes meanwhile is
 * left out.
 */
export async function keySizes(
  store: ArtifactStore,
  runId: string,
  keys?: readonly string[],
): Promise<Record<string, number>> {
  const all = keys ?? (await store.listKeys(runId));
  const sizes = await Promise.all(all.map((key) => store.size(runId, key).catch(() => undefined)));
  const byKey: Record<string, number> = {};
  all.forEach((key, i) => {
    const size = sizes[i];
    if (size !== undefined) byKey[key] = size;
  });
  return byKey;
}

/** Bytes a run holds: the sum of {@link keySizes}. */
export async function runSize(store: ArtifactStore, runId: string): Promise<number> {
  let total = 0;
  for (const size of Object.values(await keySizes(store, runId))) total += size;
  return total;
}

/**
 * Whether a `running` run has lost its owner: no lock, an unreadable one, or a stale
 * lease (dead pid on this host, or expired). Such a run is resumable.
 */
export async function isOwnerGone(store: ArtifactStore, runId: string): Promise<boolean> {
  try {
    const lock = await store.readJsonVersioned<Partial<LeaseRecord>>(runId, LOCK_KEY);
    if (lock === undefined || lock.value === null || typeof lock.value !== "object") return true;
    return isLeaseStale(lock.value, new Date(), hostname());
  } catch {
    return true;
  }
}

/** Source runs already looked up, by `from_run` as written: each run's state is read once. */
export type ReuseLookups = Map<string, Promise<{ runId: string; state: RunState | undefined }>>;

/**
 * A reader of the stored Message of a completed artifact of another run (the caller
 * closes it), checked against the
 * digest its run recorded. `ERR_REUSE_RUN_NOT_FOUND` / `ERR_REUSE_ARTIFACT_NOT_FOUND`.
 */
export async function loadReusableMessage(
  store: ArtifactStore,
  ref: { from_run: string; artifact: string },
  states: ReuseLookups = new Map(),
): Promise<{ runId: string; reader: ArtifactReader }> {
  let found = states.get(ref.from_run);
  if (found === undefined) {
    found = (async () => {
      let runId: string;
      try {
        runId = await resolveRunId(store, ref.from_run);
        await readRunMetadata(store, runId);
      } catch (error) {
        if (error instanceof ExecutorError && error.code === ExecutorErrorCode.RunAmbiguous) {
          throw error;
        }
        throw new ExecutorError(
          ExecutorErrorCode.ReuseRunNotFound,
          `cannot reuse "${ref.artifact}" from run "${ref.from_run}": ${(error as Error).message}`,
          { details: { from_run: ref.from_run, artifact: ref.artifact }, cause: error },
        );
      }
      return { runId, state: await readRunState(store, runId) };
    })();
    states.set(ref.from_run, found);
  }
  const { runId, state } = await found;
  const notFound = (why: string, cause?: unknown) =>
    new ExecutorError(
      ExecutorErrorCode.ReuseArtifactNotFound,
      `cannot reuse artifact "${ref.artifact}" from run ${runId}: ${why}. Reuse an artifact that completed, or resume run ${runId} first.`,
      { details: { from_run: runId, artifact: ref.artifact }, cause },
    );
  const digest = state?.digests[ref.artifact];
  if (!state?.completed.includes(ref.artifact) || digest === undefined) {
    throw notFound("it did not complete in that run");
  }
  let stored: string | undefined;
  try {
    // The digest of the stored bytes, as resume checks it: a streamed artifact is not
    // read whole to verify it.
    stored = await store.digest(runId, ref.artifact);
  } catch (error) {
    throw notFound(`its stored output cannot be read (${errorProblem(error)})`, error);
  }
  if (stored !== digest) {
    throw notFound("its stored output does not match the digest recorded when it completed");
  }
  let reader: ArtifactReader;
  try {
    reader = await store.openArtifactReader(runId, ref.artifact);
  } catch (error) {
    throw notFound(`its stored output cannot be read (${errorProblem(error)})`, error);
  }
  return { runId, reader };
}

/**
 * For the planner: checks a `reuse` reference (`from_run` may be a unique prefix) and
 * returns the schema of the stored Message. Each run's state is read once per resolver.
 */
export function createReuseResolver(
  store: ArtifactStore,
): (ref: { from_run: string; artifact: string }) => Promise<SchemaRef> {
  const states: ReuseLookups = new Map();
  return async (ref) => {
    const { reader } = await loadReusableMessage(store, ref, states);
    await reader.close();
    return reader.envelope.schema;
  };
}
