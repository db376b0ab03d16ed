import type { ArtifactStore } from "@wct/store-core";
import { ExecutorError, ExecutorErrorCode, isExecutorError } from "../errors.js";
import { mapWithLimit } from "../run/concurrency.js";
import { acquireRunLease } from "../run/lease.js";
import { listRunRecords, sortTime } from "../run/records.js";
import type { RunRecord } from "../run/types.js";
import { isEmptyPolicy, type RetentionPolicy } from "./policy.js";

/** One run a prune deletes (or would delete). */
export interface PruneEntry {
  run_id: string;
  /** Its status, `deleting` for a run a cut-short prune left half-deleted. */
  status: RunRecord["status"];
  /** When it started (from its id when its metadata is unreadable); null when unknown. */
  started_at: string | null;
  size_bytes: number;
}

/** What `pruneRuns` did, or would do without `apply`. */
export interface PruneResult {
  dry_run: boolean;
  /** Deleted runs (with `apply`), or the runs that would be deleted. */
  runs: PruneEntry[];
  /** Sum of their sizes: what is (or would be) freed. */
  total_bytes: number;
  /** Runs the policy selected but a live process holds: never deleted. */
  held: PruneEntry[];
  /** Runs whose deletion failed (with `apply`); each stays whole or half-deleted. */
  failed: (PruneEntry & { code: string; message: string })[];
  /** How many runs the policy keeps. */
  kept: number;
}

export interface PruneOptions {
  policy: RetentionPolicy;
  /** Delete for real; without it nothing is touched. */
  apply?: boolean;
  now?: Date;
  /** Called after each run is deleted (progress). */
  onDeleted?: (entry: PruneEntry) => void;
}

/** Runs deleted at once: enough to overlap I/O, few enough to stay gentle on a store. */
const DELETE_CONCURRENCY = 16;

function entryOf(record: RunRecord): PruneEntry {
  const started = sortTime(record);
  return {
    run_id: record.run_id,
    status: record.status,
    started_at: started === "" ? null : started,
    size_bytes: record.size_bytes,
  };
}

/**
 * The runs a policy deletes, newest first, and how many it keeps. Half-deleted runs
 * are always selected (their deletion is finished), whatever the policy.
 */
export function selectRuns(
  records: readonly RunRecord[],
  policy: RetentionPolicy,
  now: Date,
): { selected: RunRecord[]; kept: number } {
  const selected: RunRecord[] = records.filter((r) => r.status === "deleting");
  const eligible = records.filter(
    (r) =>
      r.status !== "deleting" &&
      (policy.statuses === undefined ||
        policy.statuses.length === 0 ||
        policy.statuses.some((s) => s === r.status)),
  );
  // `records` is newest first (listRunRecords).
  const beyondKept = eligible.slice(policy.keepLast ?? 0);
  const cutoff = policy.olderThanMs === undefined ? undefined : now.getTime() - policy.olderThanMs;
  for (const record of beyondKept) {
    if (cutoff !== undefined) {
      const started = Date.parse(sortTime(record));
      // A run of unknown age is never taken for old.
      if (!Number.isFinite(started) || started > cutoff) continue;
    }
    selected.push(record);
  }
  return { selected, kept: records.length - selected.length };
}

/**
 * Applies a retention policy to a store: lists what it selects, with sizes, and with
 * `apply` deletes it. Each run is deleted under its own lease (taken like a resume
 * takes it: a live holder refuses, a dead one is taken over), so a run a live process
 * holds is never deleted; it is reported in `held`. Deletion uses
 * `ArtifactStore.deleteRun`, so a crash leaves each run whole, gone or half-deleted,
 * and the next prune finishes half-deleted runs. Reuse copies artifacts, so no kept
 * run depends on a deleted one. `ERR_PRUNE_POLICY_MISSING` for an empty policy.
 */
export async function pruneRuns(store: ArtifactStore, options: PruneOptions): Promise<PruneResult> {
  const { policy } = options;
  if (isEmptyPolicy(policy)) {
    throw new ExecutorError(
      ExecutorErrorCode.PolicyMissing,
      "no retention policy: give --keep-last <n>, --older-than <duration> or --status <s>, or write a retention: section in wct.config.yaml",
    );
  }
  const now = options.now ?? new Date();
  const records = await listRunRecords(store);
  const { selected, kept } = selectRuns(records, policy, now);
  const held = selected.filter((r) => r.status === "running" && !r.stale).map(entryOf);
  const heldIds = new Set(held.map((h) => h.run_id));
  const targets = selected.filter((r) => !heldIds.has(r.run_id)).map(entryOf);
  const result: PruneResult = {
    dry_run: options.apply !== true,
    runs: [],
    total_bytes: 0,
    held,
    failed: [],
    kept: kept + held.length,
  };
  if (options.apply !== true) {
    result.runs = targets;
    result.total_bytes = targets.reduce((sum, t) => sum + t.size_bytes, 0);
    return result;
  }
  await mapWithLimit(targets, DELETE_CONCURRENCY, async (entry) => {
    try {
      if (entry.status === "deleting") {
        await store.deleteRun(entry.run_id);
      } else {
        const lease = await acquireRunLease(store, entry.run_id);
        try {
          await store.deleteRun(entry.run_id);
        } finally {
          await lease.release();
        }
      }
      result.runs.push(entry);
      result.total_bytes += entry.size_bytes;
      options.onDeleted?.(entry);
    } catch (error) {
      if (isExecutorError(error, ExecutorErrorCode.RunLocked)) {
        result.held.push(entry);
        result.kept++;
        return;
      }
      result.failed.push({
        ...entry,
        code: (error as { code?: string }).code ?? "ERR_STORE_BACKEND",
        message: (error as Error).message,
      });
    }
  });
  // Plain code-point order: ISO times and ids are ASCII, and a locale collator costs
  // more to set up than the whole sort.
  const descending = (a: string, b: string) => (a < b ? 1 : a > b ? -1 : 0);
  const newestFirst = (a: PruneEntry, b: PruneEntry) =>
    descending(a.started_at ?? "", b.started_at ?? "") || descending(a.run_id, b.run_id);
  result.runs.sort(newestFirst);
  result.held.sort(newestFirst);
  return result;
}
