import type { Plan } from "../types.js";
import type { LeaseHolder, RunAttempt, RunListing, RunMetadata, RunStatus } from "./types.js";

/** `run.json` of a run not yet started. */
export function newRunMetadata(
  runId: string,
  runbookPath: string,
  plan: Plan,
  started: Date,
): RunMetadata {
  return {
    run_id: runId,
    runbook_path: runbookPath,
    runbook_hash: plan.runbookHash,
    started_at: started.toISOString(),
    completed_at: null,
    status: "running",
    files: plan.files.map((f) => ({ path: f.path, sha256: f.sha256 })),
    attempts: [],
  };
}

/**
 * Opens a new attempt of the run: an earlier attempt still open was cut short (its
 * process was killed), so it is closed as interrupted, at the last heartbeat of the
 * lease taken over when known.
 */
export function openAttempt(
  meta: RunMetadata,
  started: Date,
  host: { pid: number; hostname: string },
  tookOver: LeaseHolder | undefined,
): { meta: RunMetadata; attempt: RunAttempt } {
  const attempt: RunAttempt = {
    attempt: meta.attempts.length + 1,
    started_at: started.toISOString(),
    ended_at: null,
    status: "running",
    pid: host.pid,
    hostname: host.hostname,
    ...(tookOver ? { took_over: tookOver } : {}),
  };
  const closed = meta.attempts.map((earlier) =>
    earlier.ended_at === null
      ? {
          ...earlier,
          status: "interrupted" as const,
          ended_at: tookOver?.heartbeat ?? started.toISOString(),
        }
      : earlier,
  );
  // The listing of the closed attempt stops being true as soon as this one writes.
  const { listing: _stale, ...rest } = meta;
  return {
    meta: { ...rest, status: "running", completed_at: null, attempts: [...closed, attempt] },
    attempt,
  };
}

/**
 * Closes the current (last) attempt and the run with `status`; `listing` (of the final
 * state, already saved) lets `wct runs` list the run from this record alone.
 */
export function closeAttempt(
  meta: RunMetadata,
  attempt: RunAttempt,
  status: Exclude<RunStatus, "running">,
  ended: Date,
  listing?: RunListing,
): RunMetadata {
  const at = ended.toISOString();
  const { listing: _earlier, ...rest } = meta;
  return {
    ...rest,
    status,
    completed_at: at,
    attempts: [...meta.attempts.slice(0, -1), { ...attempt, ended_at: at, status }],
    ...(listing === undefined ? {} : { listing }),
  };
}
