/**
 * The plan: what `planRunbook` produces and `runPlan` executes. Pure data (no
 * functions), so planning the same files twice gives deep-equal plans and a plan can
 * be printed as JSON.
 */
import type { SchemaRef } from "@wct/plugin-api";
import type { SecretValues } from "@wct/runbook-schema";

export type ArtifactKind = "source" | "process" | "passthrough" | "merge" | "reuse";

export interface PlannedArtifact {
  /** Flattened id: child artifacts are `<directive>__<child id>`, nested by repetition. */
  id: string;
  name?: string;
  description?: string;
  contact?: string;
  kind: ArtifactKind;
  /** Component type for `source` (connector) and `process` (processor) artifacts. */
  component?: string;
  /**
   * Properties as validated by the component's `properties` schema (defaults filled).
   * May hold values substituted from the environment: never persist them.
   */
  properties: Record<string, unknown>;
  /** Flattened ids of the inputs, in `inputs` order. */
  inputs: string[];
  /**
   * Output schema. `null` only for a `reuse` artifact (and what passes it through)
   * whose source run was not consulted at plan time; the run fills it in.
   */
  schema: SchemaRef | null;
  /** Include in the run's report. */
  output: boolean;
  optional: boolean;
  /** Seconds. */
  timeout?: number;
  reuse?: { from_run: string; artifact: string };
  /** Where it was declared: runbook file (relative to the root runbook's folder) and id there. */
  origin: { file: string; artifact: string };
  /** Absolute folder of the declaring runbook; components resolve relative paths here. */
  baseDir: string;
}

/** One runbook file the plan was built from. */
export interface PlanFile {
  /** Relative to the root runbook's folder, `/`-separated. */
  path: string;
  /** `sha256:<hex>` of the file's bytes. */
  sha256: string;
  /** The file's text as written (no substitution): this is what the store keeps. */
  text: string;
}

export interface Plan {
  name: string;
  description: string;
  contact?: string;
  /** Absolute path of the root runbook. */
  runbookPath: string;
  /** `sha256:` over the bytes of the root runbook and every child runbook, in `files` order. */
  runbookHash: string;
  /** Root runbook first, then children in the order they were first included. */
  files: PlanFile[];
  config: { timeout?: number; maxConcurrency: number; maxChildDepth: number };
  /** Deepest child-runbook nesting used (0 = no child runbooks). */
  depth: number;
  /** Every artifact, in a deterministic topological order (declaration order breaks ties). */
  artifacts: PlannedArtifact[];
  /**
   * Values substituted from the environment (`${VAR}`), by value → placeholder: the
   * run masks them in every error, log line and record it writes. Absent = none.
   */
  secrets?: SecretValues;
}
