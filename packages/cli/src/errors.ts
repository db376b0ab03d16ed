import { type Diagnostic, formatDiagnostic } from "@wct/runbook-schema";
import { CommanderError } from "commander";

/** Exit codes of every command (spec §6). */
export const ExitCode = {
  Ok: 0,
  RunFailed: 1,
  Usage: 2,
  Conflict: 3,
  /** `wct report --fail-on`: the report was written and has failing findings. */
  FindingsFound: 4,
  Interrupted: 130,
} as const;

/** Bad flags or arguments the CLI itself detects. */
export class UsageError extends Error {
  readonly code = "ERR_USAGE";
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

// Every error code that means "bad input": the user must change a flag, a runbook or
// a run id. Everything not listed (and not a conflict) is an internal failure: 1.
const USAGE_CODES = new Set([
  "ERR_USAGE",
  "ERR_RUNBOOK_INVALID",
  "ERR_RUNBOOK_NOT_FOUND",
  "ERR_PLUGIN_LOAD",
  "ERR_PLUGIN_SHAPE",
  "ERR_PLUGIN_DUPLICATE_TYPE",
  "ERR_RUN_NOT_FOUND",
  "ERR_RUN_AMBIGUOUS",
  "ERR_RUNBOOK_CHANGED",
  "ERR_REUSE_RUN_NOT_FOUND",
  "ERR_REUSE_ARTIFACT_NOT_FOUND",
  "ERR_INVALID_RUN_ID",
  "ERR_INVALID_KEY",
  "ERR_STORE_OPTIONS",
  "ERR_ARTIFACT_NOT_FOUND",
  "ERR_SUPPRESSIONS_INVALID",
  "ERR_SUPPRESSIONS_NOT_FOUND",
  "ERR_REPORT_NOT_FINDINGS",
  "ERR_REPORT_NO_FINDINGS",
]);
const CONFLICT_CODES = new Set(["ERR_RUN_LOCKED", "ERR_LEASE_LOST"]);

/** The stable code of an error, or `undefined` for foreign errors. */
export function errorCode(error: unknown): string | undefined {
  if (error instanceof CommanderError) return error.code;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/** The one place where error codes become exit codes. */
export function exitCodeFor(error: unknown): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : ExitCode.Usage;
  const code = errorCode(error);
  if (code !== undefined && USAGE_CODES.has(code)) return ExitCode.Usage;
  if (code !== undefined && CONFLICT_CODES.has(code)) return ExitCode.Conflict;
  if (code === "ERR_FINDINGS_FAIL_ON") return ExitCode.FindingsFound;
  return ExitCode.RunFailed;
}

/**
 * What the user sees for an error: the code, the message, every diagnostic; a stack
 * only with `debug`. Paths below `cwd` are shown relative to it, as the user typed them.
 */
export function formatError(error: unknown, debug: boolean, cwd?: string): string {
  const code = errorCode(error) ?? "ERR_INTERNAL";
  const message = error instanceof Error ? error.message : String(error);
  const diagnostics = (error as { diagnostics?: Diagnostic[] } | null)?.diagnostics ?? [];
  const lines: string[] = [];
  if (diagnostics.length > 0) {
    // The message repeats the diagnostics; its first line is the headline.
    lines.push(`wct: ${message.split("\n")[0]?.replace(/:$/, "")} [${code}]`);
    for (const d of diagnostics) lines.push(`  ${formatDiagnostic(d).replace(/\n/g, "\n  ")}`);
  } else {
    lines.push(`wct: ${message} [${code}]`);
  }
  if (code === "ERR_INTERNAL" && !debug) {
    lines.push(
      "  This is a bug in wct. Rerun with WCT_DEBUG=1 to see the stack trace and report it.",
    );
  }
  if (debug && error instanceof Error && error.stack) lines.push(error.stack);
  let text = `${lines.join("\n")}\n`;
  if (cwd) text = text.split(`${cwd.replace(/\/$/, "")}/`).join("");
  return text;
}
