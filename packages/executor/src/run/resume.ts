import type { ArtifactStore } from "@wct/store-core";
import { ExecutorError, ExecutorErrorCode } from "../errors.js";
import type { Plan } from "../types.js";
import { mapWithLimit } from "./concurrency.js";
import { READ_CONCURRENCY, readRunState } from "./records.js";
import type { RunMetadata, RunState } from "./types.js";
import { readResumableMetadata } from "./unborn.js";

/** `ERR_RUNBOOK_CHANGED` naming each runbook file added, removed or changed since the run. */
export function runbookChanged(runId: string, run: RunMetadata, plan: Plan): ExecutorError {
  const before = new Map((run.files ?? []).map((f) => [f.path, f.sha256]));
  const now = new Map(plan.files.map((f) => [f.path, f.sha256]));
  const changes: { path: string; change: "changed" | "added" | "removed" }[] = [];
  for (const [path, sha] of now) {
    const old = before.get(path);
    if (old === undefined) changes.push({ path, change: "added" });
    else if (old !== sha) changes.push({ path, change: "changed" });
  }
  for (const path of before.keys()) if (!now.has(path)) changes.push({ path, change: "removed" });
  const listed = changes.length
    ? changes.map((c) => `${c.path} (${c.change})`).join(", ")
    : "the runbook hash differs";
  return new ExecutorError(
    ExecutorErrorCode.RunbookChanged,
    `cannot resume run ${runId}: its runbook changed since it ran: ${listed}. Restore the files as they were, or start a new run.`,
    {
      details: {
        run_id: runId,
        changed_files: changes.map((c) => c.path),
        changes,
        expected_hash: run.runbook_hash,
        actual_hash: plan.runbookHash,
      },
    },
  );
}

/**
 * Ids of the completed artifacts of an earlier attempt whose stored bytes still match
 * the digest recorded when they completed (a streamed artifact is not decompressed).
 */
export async function verifyCompleted(
  store: ArtifactStore,
  runId: string,
  state: RunState | undefined,
  planned: ReadonlyMap<string, number>,
): Promise<string[]> {
  if (!state) return [];
  const candidates = state.completed.filter(
    (id) => planned.has(id) && typeof state.digests[id] === "string",
  );
  const verified = await mapWithLimit(candidates, READ_CONCURRENCY, async (id) => {
    try {
      return (await store.digest(runId, id)) === state.digests[id];
    } catch {
      // Missing, truncated or not JSON: it simply runs again.
      return false;
    }
  });
  return candidates.filter((_, i) => verified[i]);
}

/** What a resume starts from: the run as recorded, its last state, and what it keeps. */
export interface ResumePoint {
  meta: RunMetadata;
  previous: RunState | undefined;
  /** Completed artifacts whose stored output verifies: they are not produced again. */
  kept: string[];
}

/**
 * Reads what resuming `runId` keeps; `ERR_RUNBOOK_CHANGED` when the runbook differs,
 * `undefined` when the run never started (no `run.json`, see `isUnbornRun`): it then
 * starts afresh under its id.
 */
export async function readResumePoint(
  store: ArtifactStore,
  runId: string,
  plan: Plan,
  planned: ReadonlyMap<string, number>,
): Promise<ResumePoint | undefined> {
  const meta = await readResumableMetadata(store, runId);
  if (meta === undefined) return undefined;
  if (meta.runbook_hash !== plan.runbookHash) throw runbookChanged(runId, meta, plan);
  const previous = await readRunState(store, runId);
  return { meta, previous, kept: await verifyCompleted(store, runId, previous, planned) };
}
