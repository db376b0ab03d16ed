import type { Diagnostic } from "@wct/runbook-schema";
import { defineErrorCodes } from "@wct/store-core/errors";

const executorErrors = defineErrorCodes({
  // Planning
  RunbookInvalid: ["ERR_RUNBOOK_INVALID", "input"],
  RunbookNotFound: ["ERR_RUNBOOK_NOT_FOUND", "input"],
  PluginLoad: ["ERR_PLUGIN_LOAD", "input"],
  PluginShape: ["ERR_PLUGIN_SHAPE", "input"],
  PluginDuplicateType: ["ERR_PLUGIN_DUPLICATE_TYPE", "input"],
  // Resume and reuse
  RunNotFound: ["ERR_RUN_NOT_FOUND", "input"],
  RunAmbiguous: ["ERR_RUN_AMBIGUOUS", "input"],
  RunbookChanged: ["ERR_RUNBOOK_CHANGED", "input"],
  // The user picks another run, or removes the broken one: nothing to retry as is.
  RunCorrupt: ["ERR_RUN_CORRUPT", "input"],
  ReuseRunNotFound: ["ERR_REUSE_RUN_NOT_FOUND", "input"],
  ReuseArtifactNotFound: ["ERR_REUSE_ARTIFACT_NOT_FOUND", "input"],
  // The lock's place holds something no process could have written (a folder, a link, a
  // FIFO): not a live lease, and not one wct may take over by itself (exit 1)
  LockUnusable: ["ERR_LOCK_UNUSABLE", "failure"],
  // Held by another live process
  RunLocked: ["ERR_RUN_LOCKED", "conflict"],
  LeaseLost: ["ERR_LEASE_LOST", "conflict"],
  // Artifact failures (recorded on the artifact)
  ComponentFailed: ["ERR_COMPONENT_FAILED", "failure"],
  // An exception or rejection escaped the component, or it called process.exit()
  ComponentCrashed: ["ERR_COMPONENT_CRASHED", "failure"],
  ArtifactTimeout: ["ERR_ARTIFACT_TIMEOUT", "failure"],
  RunTimeout: ["ERR_RUN_TIMEOUT", "failure"],
  Interrupted: ["ERR_INTERRUPTED", "interrupted"],
  InvalidOutput: ["ERR_INVALID_OUTPUT", "failure"],
  MergeInputNotArray: ["ERR_MERGE_INPUT_NOT_ARRAY", "failure"],
  // Streamed inputs of one merge hold their records under different fields
  MergeRecordsDiffer: ["ERR_MERGE_RECORDS_DIFFER", "failure"],
  UpstreamFailed: ["ERR_UPSTREAM_FAILED", "failure"],
  // `wct.config.yaml` has problems
  ConfigInvalid: ["ERR_CONFIG_INVALID", "input"],
  // `wct runs prune` without any policy
  PolicyMissing: ["ERR_PRUNE_POLICY_MISSING", "input"],
  // A new run whose id is already taken
  RunExists: ["ERR_RUN_EXISTS", "input"],
});

/**
 * Stable codes of the errors the executor raises. Their exit class is in
 * {@link ExecutorErrorClass}; tests check the codes.
 */
export const ExecutorErrorCode = executorErrors.codes;

export type ExecutorErrorCode = (typeof ExecutorErrorCode)[keyof typeof ExecutorErrorCode];

/**
 * The {@link ErrorClass} of every {@link ExecutorErrorCode}: what the CLI's exit code
 * is when one of them ends a command.
 */
export const ExecutorErrorClass = executorErrors.classes;

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
