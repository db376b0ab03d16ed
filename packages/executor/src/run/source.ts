import type { SchemaRef } from "@wct/plugin-api";
import type { PlannedArtifact } from "../types.js";

/** The schema stored for an artifact whose schema is not known (it failed first, or merged nothing). */
export const UNKNOWN_SCHEMA: SchemaRef = { name: "unknown", version: "0.0.0" };

/**
 * The provenance stored in an artifact's Message: `connector:<type>`,
 * `processor:<type>`, `passthrough:<input>`, `merge` or `reuse:<run>/<artifact>`. A reuse
 * names the run it read from once that is resolved (a prefix given in the runbook names
 * one run), and the run as written before.
 */
export function sourceOf(
  artifact: PlannedArtifact,
  reusedRun: string | undefined = artifact.reuse?.from_run,
): string {
  switch (artifact.kind) {
    case "source":
      return `connector:${artifact.component}`;
    case "process":
      return `processor:${artifact.component}`;
    case "passthrough":
      return `passthrough:${artifact.inputs[0]}`;
    case "merge":
      return "merge";
    case "reuse":
      return `reuse:${reusedRun}/${artifact.reuse?.artifact}`;
  }
}
