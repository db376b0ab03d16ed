import type { Diagnostic } from "./types.js";

/** `file:line:col: message (path) hint`; position and path are left out when unknown. */
export function formatDiagnostic(diagnostic: Diagnostic): string {
  const where =
    diagnostic.line > 0
      ? `${diagnostic.file}:${diagnostic.line}:${diagnostic.column}`
      : diagnostic.file;
  const path = diagnostic.path === "" ? "" : ` (${diagnostic.path})`;
  const hint = diagnostic.hint === undefined ? "" : ` ${diagnostic.hint}`;
  return `${where}: ${diagnostic.message}${path}${hint}`;
}
