import { formatSchemaRef } from "@wct/plugin-api";
import type { ArtifactKind, Plan, PlannedArtifact } from "../types.js";

/** One artifact as `wct validate` prints it (snake_case: it is printed as JSON). */
export interface ArtifactDescription {
  id: string;
  kind: ArtifactKind;
  /**
   * `connector filesystem`, `processor personal_data`, `merge of a, b`, `pass-through of a`,
   * `reuse of <run>/<artifact>`. A long list of inputs is shortened to one line
   * (`merge of 10,000 inputs: c0, c1, c2, …, c9999`); `inputs` has them all.
   */
  produced_by: string;
  inputs: string[];
  /** `name/version`, or null when only the run will know (unconsulted reuse). */
  schema: string | null;
  output: boolean;
  optional: boolean;
}

/** A plan summarised for `wct validate`. */
export interface PlanDescription {
  name: string;
  artifact_count: number;
  depth: number;
  runbook_hash: string;
  artifacts: ArtifactDescription[];
}

/** Summarises a plan for `wct validate` (and its `--json`). */
export function describePlan(plan: Plan): PlanDescription {
  return {
    name: plan.name,
    artifact_count: plan.artifacts.length,
    depth: plan.depth,
    runbook_hash: plan.runbookHash,
    artifacts: plan.artifacts.map((artifact) => ({
      id: artifact.id,
      kind: artifact.kind,
      produced_by: producedBy(artifact),
      inputs: [...artifact.inputs],
      schema: artifact.schema === null ? null : formatSchemaRef(artifact.schema),
      output: artifact.output,
      optional: artifact.optional,
    })),
  };
}

function producedBy(artifact: PlannedArtifact): string {
  switch (artifact.kind) {
    case "source":
      return `connector ${artifact.component}`;
    case "process":
      return `processor ${artifact.component}`;
    case "merge":
      return `merge of ${shortList(artifact.inputs, "inputs")}`;
    case "passthrough":
      return `pass-through of ${shortList(artifact.inputs, "inputs")}`;
    case "reuse":
      return `reuse of ${artifact.reuse?.from_run}/${artifact.reuse?.artifact}`;
  }
}

// Beyond this many items a list is shown as its count, first items and last.
const LIST_ITEMS_SHOWN = 4;

/** `a, b, c`, or for a long list `10,000 inputs: c0, c1, c2, …, c9999`. */
function shortList(items: ReadonlyArray<string>, noun: string): string {
  if (items.length <= LIST_ITEMS_SHOWN + 1) return items.join(", ");
  const shown = [...items.slice(0, LIST_ITEMS_SHOWN - 1), "…", items[items.length - 1]];
  return `${items.length.toLocaleString("en-US")} ${noun}: ${shown.join(", ")}`;
}
