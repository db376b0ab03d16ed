/**
 * Stable codes of the diagnostics the planner adds to those of the runbook parser.
 * Every one of them arrives inside an `ERR_RUNBOOK_INVALID` {@link ExecutorError}.
 */
export const PlanDiagnosticCode = {
  /** An `inputs` entry names no artifact (nor, in a child runbook, a declared input). */
  UnknownArtifact: "ERR_UNKNOWN_ARTIFACT",
  /** Two artifacts end up with the same id after child runbooks are inlined. */
  DuplicateArtifact: "ERR_DUPLICATE_ARTIFACT",
  /** An artifact id grows longer than 128 characters once child runbooks are inlined. */
  InvalidArtifactId: "ERR_INVALID_ID",
  /** Artifacts depend on each other in a cycle. */
  DependencyCycle: "ERR_DEPENDENCY_CYCLE",
  /** `source.type` / `process.type` names no loaded connector / processor. */
  UnknownComponent: "ERR_UNKNOWN_COMPONENT",
  /** The component's `properties` schema rejects the artifact's properties. */
  InvalidProperties: "ERR_INVALID_PROPERTIES",
  /** Input or output schemas do not fit together. */
  SchemaMismatch: "ERR_SCHEMA_MISMATCH",
  /** A `child_runbook.path` is absolute, has a `..` segment or a backslash, or leaves its folder. */
  ChildPath: "ERR_CHILD_PATH",
  /** A child runbook file was not found (or could not be read). */
  ChildNotFound: "ERR_CHILD_NOT_FOUND",
  /** Runbooks include each other in a cycle. */
  ChildCycle: "ERR_CHILD_CYCLE",
  /** Child runbooks nest deeper than the root's `config.max_child_depth`. */
  ChildDepth: "ERR_CHILD_DEPTH",
  /** `input_mapping` is missing, names an unknown input, or leaves a required input unmapped. */
  ChildMapping: "ERR_CHILD_MAPPING",
  /** `child_runbook.output` is missing, unknown, or the child declares no usable output. */
  ChildOutput: "ERR_CHILD_OUTPUT",
} as const;

export type PlanDiagnosticCode = (typeof PlanDiagnosticCode)[keyof typeof PlanDiagnosticCode];
