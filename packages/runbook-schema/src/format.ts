import type { Diagnostic } from "./types.js";

/**
 * `file:line:col: message [CODE] (at path)`, then the hint on its own line
 * (`  hint: …`); position and path are left out when unknown.
 */
export function formatDiagnostic(diagnostic: Diagnostic): string {
  const where =
    diagnostic.line > 0
      ? `${diagnostic.file}:${diagnostic.line}:${diagnostic.column}`
      : diagnostic.file;
  const path = diagnostic.path === "" ? "" : ` (at ${diagnostic.path})`;
  const hint = diagnostic.hint === undefined ? "" : `\n  hint: ${diagnostic.hint}`;
  return `${where}: ${diagnostic.message} [${diagnostic.code}]${path}${hint}`;
}
