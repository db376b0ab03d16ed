import type { ArtifactStore } from "@wct/store-core";
import { readRunState } from "./records.js";

/**
 * How a stored artifact compares with the digest its run recorded when it completed:
 * `verified` (same bytes), `modified` (the bytes changed since: edited or damaged, and
 * a resume would produce it again), or `unrecorded` (the run recorded no digest for it,
 * e.g. it failed, or the run's state cannot be read).
 */
export type ArtifactIntegrity = "verified" | "modified" | "unrecorded";

/** Checks the stored bytes of `artifact` against the digest in the run's state. */
export async function checkArtifactIntegrity(
  store: ArtifactStore,
  runId: string,
  artifact: string,
): Promise<ArtifactIntegrity> {
  const state = await readRunState(store, runId).catch(() => undefined);
  const recorded = state?.completed.includes(artifact) ? state.digests[artifact] : undefined;
  if (typeof recorded !== "string") return "unrecorded";
  const actual = await store.digest(runId, artifact).catch(() => undefined);
  return actual === recorded ? "verified" : "modified";
}
