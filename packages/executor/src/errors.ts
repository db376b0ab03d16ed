import type { Diagnostic } from "@wct/runbook-schema";
import type { ErrorClass } from "@wct/store-core";

/**
 * Stable codes of the errors the executor raises. Their exit class is in
 * {@link ExecutorErrorClass}; tests check the codes.
 */
export const ExecutorErrorCode = {
  // Planning
  RunbookInvalid: "ERR_RUNBOOK_INVALID",
  RunbookNotFound: "ERR_RUNBOOK_NOT_FOUND",
  PluginLoad: "ERR_PLUGIN_LOAD",
  PluginShape: "ERR_PLUGIN_SHAPE",
  PluginDuplicateType: "ERR_PLUGIN_DUPLICATE_TYPE",
  // Resume and reuse
  RunNotFound: "ERR_RUN_NOT_FOUND",
  RunAmbiguous: "ERR_RUN_AMBIGUOUS",
  RunbookChanged: "ERR_RUNBOOK_CHANGED",
  RunCorrupt: "ERR_RUN_CORRUPT",
  ReuseRunNotFound: "ERR_REUSE_RUN_NOT_FOUND",
  ReuseArtifactNotFound: "ERR_REUSE_ARTIFACT_NOT_FOUND",
  // The lock's place holds something no process could have written (a folder, a link, a
  // FIFO): not a live lease, and not one wct may take over by itself (exit 1)
  LockUnusable: "ERR_LOCK_UNUSABLE",
  // Held by another live process
  RunLocked: "ERR_RUN_LOCKED",
  LeaseLost: "ERR_LEASE_LOST",
  // Artifact failures (recorded on the artifact)
  ComponentFailed: "ERR_COMPONENT_FAILED",
  // An exception or rejection escaped the component, or it called process.exit()
  ComponentCrashed: "ERR_COMPONENT_CRASHED",
  ArtifactTimeout: "ERR_ARTIFACT_TIMEOUT",
  RunTimeout: "ERR_RUN_TIMEOUT",
  Interrupted: "ERR_INTERRUPTED",
  InvalidOutput: "ERR_INVALID_OUTPUT",
  MergeInputNotArray: "ERR_MERGE_INPUT_NOT_ARRAY",
  // Streamed inputs of one merge hold their records under different fields
  MergeRecordsDiffer: "ERR_MERGE_RECORDS_DIFFER",
  UpstreamFailed: "ERR_UPSTREAM_FAILED",
  // `wct.config.yaml` has problems
  ConfigInvalid: "ERR_CONFIG_INVALID",
  // `wct runs prune` without any policy
  PolicyMissing: "ERR_PRUNE_POLICY_MISSING",
  // A new run whose id is already taken
  RunExists: "ERR_RUN_EXISTS",
} as const;

export type ExecutorErrorCode = (typeof ExecutorErrorCode)[keyof typeof ExecutorErrorCode];

/**
 * The {@link ErrorClass} of every {@link ExecutorErrorCode}: what the CLI's exit code
 * is when one of them ends a command.
 */
export const ExecutorErrorClass = {
  ERR_RUNBOOK_INVALID: "input",
  ERR_RUNBOOK_NOT_FOUND: "input",
  ERR_PLUGIN_LOAD: "input",
  ERR_PLUGIN_SHAPE: "input",
  ERR_PLUGIN_DUPLICATE_TYPE: "input",
  ERR_RUN_NOT_FOUND: "input",
  ERR_RUN_AMBIGUOUS: "input",
  ERR_RUNBOOK_CHANGED: "input",
  // The user picks another run, or removes the broken one: nothing to retry as is.
  ERR_RUN_CORRUPT: "input",
  ERR_REUSE_RUN_NOT_FOUND: "input",
  ERR_REUSE_ARTIFACT_NOT_FOUND: "input",
  ERR_RUN_LOCKED: "conflict",
  ERR_LEASE_LOST: "conflict",
  ERR_LOCK_UNUSABLE: "failure",
  ERR_COMPONENT_FAILED: "failure",
  ERR_COMPONENT_CRASHED: "failure",
  ERR_ARTIFACT_TIMEOUT: "failure",
  ERR_RUN_TIMEOUT: "failure",
  ERR_INTERRUPTED: "interrupted",
  ERR_INVALID_OUTPUT: "failure",
  ERR_MERGE_INPUT_NOT_ARRAY: "failure",
  ERR_MERGE_RECORDS_DIFFER: "failure",
  ERR_UPSTREAM_FAILED: "failure",
  ERR_RUN_EXISTS: "input",
  ERR_CONFIG_INVALID: "input",
  ERR_PRUNE_POLICY_MISSING: "input",
} as const satisfies Record<ExecutorErrorCode, ErrorClass>;

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
