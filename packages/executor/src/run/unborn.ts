import type { ArtifactStore } from "@wct/store-core";
import { ExecutorErrorCode, isExecutorError } from "../errors.js";
import { RUN_KEY } from "./layout.js";
import { readRunMetadata } from "./records.js";
import type { RunMetadata } from "./types.js";

/**
 * Whether `runId` is a run that never started: it holds keys (its lock, perhaps its
 * plan and state) but no `run.json`, which a new run writes last. Its process died in
 * its first milliseconds, or is starting right now; no artifact of it was ever saved.
 */
export async function isUnbornRun(store: ArtifactStore, runId: string): Promise<boolean> {
  if (await store.exists(runId, RUN_KEY)) return false;
  return (await store.listKeys(runId, "_system/")).length > 0;
}

/**
 * The metadata of a run to resume, or `undefined` when the run never started (see
 * {@link isUnbornRun}): resuming it starts it afresh under its id. `ERR_RUN_NOT_FOUND`
 * when there is no such run at all, `ERR_RUN_CORRUPT` when its metadata is unreadable.
 */
export async function readResumableMetadata(
  store: ArtifactStore,
  runId: string,
): Promise<RunMetadata | undefined> {
  try {
    return await readRunMetadata(store, runId);
  } catch (error) {
    if (
      isExecutorError(error, ExecutorErrorCode.RunNotFound) &&
      (await isUnbornRun(store, runId))
    ) {
      return undefined;
    }
    throw error;
  }
}
