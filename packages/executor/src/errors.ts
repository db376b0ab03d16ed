import type { Diagnostic } from "@wct/runbook-schema";

/**
 * Stable codes of the errors the executor raises. The CLI maps them to exit codes;
 * tests check them.
 */
export const ExecutorErrorCode = {
  // Planning (exit 2)
  RunbookInvalid: "ERR_RUNBOOK_INVALID",
  RunbookNotFound: "ERR_RUNBOOK_NOT_FOUND",
  PluginLoad: "ERR_PLUGIN_LOAD",
  PluginShape: "ERR_PLUGIN_SHAPE",
  PluginDuplicateType: "ERR_PLUGIN_DUPLICATE_TYPE",
  // Resume and reuse (exit 2)
  RunNotFound: "ERR_RUN_NOT_FOUND",
  RunAmbiguous: "ERR_RUN_AMBIGUOUS",
  RunbookChanged: "ERR_RUNBOOK_CHANGED",
  RunCorrupt: "ERR_RUN_CORRUPT",
  ReuseRunNotFound: "ERR_REUSE_RUN_NOT_FOUND",
  ReuseArtifactNotFound: "ERR_REUSE_ARTIFACT_NOT_FOUND",
  // Conflict (exit 3)
  RunLocked: "ERR_RUN_LOCKED",
  LeaseLost: "ERR_LEASE_LOST",
  // Artifact failures (recorded on the artifact; the run exits 1)
  ComponentFailed: "ERR_COMPONENT_FAILED",
  ArtifactTimeout: "ERR_ARTIFACT_TIMEOUT",
  RunTimeout: "ERR_RUN_TIMEOUT",
  Interrupted: "ERR_INTERRUPTED",
  InvalidOutput: "ERR_INVALID_OUTPUT",
  MergeInputNotArray: "ERR_MERGE_INPUT_NOT_ARRAY",
  UpstreamFailed: "ERR_UPSTREAM_FAILED",
  // `wct.config.yaml` has problems (exit 2)
  ConfigInvalid: "ERR_CONFIG_INVALID",
  // `wct runs prune` without any policy (exit 2)
  PolicyMissing: "ERR_PRUNE_POLICY_MISSING",
  // A new run whose id is already taken (exit 2)
  RunExists: "ERR_RUN_EXISTS",
} as const;

export type ExecutorErrorCode = (typeof ExecutorErrorCode)[keyof typeof ExecutorErrorCode];

/** An error of the executor: a stable `code`, a message saying what/where/what to do. */
export class ExecutorError extends Error {
  readonly code: ExecutorErrorCode;
  /** Every problem found, for `ERR_RUNBOOK_INVALID` (and empty otherwise). */
  readonly diagnostics: Diagnostic[];
  /** Structured facts for formatting (`run_id`, `holder`, `changed_files`, ...). */
  readonly details: Record<string, unknown>;

  constructor(
    code: ExecutorErrorCode,
    message: string,
    options: {
      diagnostics?: Diagnostic[];
      details?: Record<string, unknown>;
      cause?: unknown;
    } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "ExecutorError";
    this.code = code;
    this.diagnostics = options.diagnostics ?? [];
    this.details = options.details ?? {};
  }
}

/** True when `error` is an {@link ExecutorError} with the given code. */
export function isExecutorError(error: unknown, code?: ExecutorErrorCode): error is ExecutorError {
  return error instanceof ExecutorError && (code === undefined || error.code === code);
}
