// The light entry points only: every command needs this module, and the packages'
// main entries load parsers, schemas and plugins that most commands never use.
import { ExecutorErrorClass } from "@wct/executor/errors";
import { LabelledSetErrorClass } from "@wct/plugin-personal-data/errors";
import { ReportErrorClass } from "@wct/report/errors";
import type { Diagnostic } from "@wct/runbook-schema";
import { formatDiagnostic } from "@wct/runbook-schema/format";
import { defineErrorCodes, type ErrorClass, StoreErrorClass } from "@wct/store-core/errors";
import { CommanderError } from "commander";

/** Exit codes of every command (see the README's "Exit codes"). */
export const ExitCode = {
  Ok: 0,
  RunFailed: 1,
  Usage: 2,
  Conflict: 3,
  /** `wct report --fail-on`: the report was written and has failing findings. */
  FindingsFound: 4,
  Interrupted: 130,
} as const;

const cliErrors = defineErrorCodes({
  /** Bad flags or arguments. */
  Usage: ["ERR_USAGE", "input"],
  /** `wct report` found no findings artifact to report in the run. */
  ReportNoFindings: ["ERR_REPORT_NO_FINDINGS", "input"],
  /** `wct report --fail-on`: the report was written and holds findings it fails on. */
  FindingsFailOn: ["ERR_FINDINGS_FAIL_ON", "findings"],
});

/** Stable codes of the errors the CLI itself raises. */
export const CliErrorCode = cliErrors.codes;

/** One of {@link CliErrorCode}. */
export type CliErrorCode = (typeof CliErrorCode)[keyof typeof CliErrorCode];

/** The {@link ErrorClass} of every {@link CliErrorCode}. */
export const CliErrorClass = cliErrors.classes;

/** Bad flags or arguments the CLI itself detects. */
export class UsageError extends Error {
  readonly code = CliErrorCode.Usage;
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

const exitCodeOfClass: Record<ErrorClass, number> = {
  input: ExitCode.Usage,
  conflict: ExitCode.Conflict,
  interrupted: ExitCode.Interrupted,
  failure: ExitCode.RunFailed,
  findings: ExitCode.FindingsFound,
};

// Each package declares the class of its own codes; none is listed here by hand. A
// code unknown to all of them (a plugin's, a foreign error's) is a failure: 1.
const classOfCode: ReadonlyMap<string, ErrorClass> = new Map<string, ErrorClass>([
  ...Object.entries(StoreErrorClass),
  ...Object.entries(ExecutorErrorClass),
  ...Object.entries(CliErrorClass),
  ...Object.entries(LabelledSetErrorClass),
  ...Object.entries(ReportErrorClass),
]);

/** The {@link ErrorClass} of a code, `failure` for codes no package of wct declares. */
export function errorClassOf(code: string | undefined): ErrorClass {
  return (code === undefined ? undefined : classOfCode.get(code)) ?? "failure";
}

/** The stable code of an error, or `undefined` for foreign errors. */
export function errorCode(error: unknown): string | undefined {
  if (error instanceof CommanderError) return error.code;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/** The one place where error codes become exit codes. */
export function exitCodeFor(error: unknown): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : ExitCode.Usage;
  return exitCodeOfClass[errorClassOf(errorCode(error))];
}

/**
 * What the user sees for an error: the code, the message, every diagnostic; a stack and
 * the chain of causes only with `debug`. Paths below `cwd` are shown relative to it, as
 * the user typed them.
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
  // A wrapping error's message already says what its cause means here; the chain itself
  // (with each stack) is for whoever debugs.
  if (debug) {
    let cause = (error as { cause?: unknown } | null)?.cause;
    for (let depth = 0; cause !== undefined && depth < 8; depth++) {
      const code = errorCode(cause);
      const shown = cause instanceof Error ? (cause.stack ?? cause.message) : String(cause);
      lines.push(`caused by${code === undefined ? "" : ` [${code}]`}: ${shown}`);
      cause = (cause as { cause?: unknown } | null)?.cause;
    }
  }
  let text = `${lines.join("\n")}\n`;
  if (cwd) text = text.split(`${cwd.replace(/\/$/, "")}/`).join("");
  return text;
}
