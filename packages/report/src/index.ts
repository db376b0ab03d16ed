export {
  type AnnotateOptions,
  annotateFindings,
  emptyStats,
  type ReportStats,
} from "./annotate.js";
export { renderCsv } from "./csv.js";
export { ReportErrorClass, ReportErrorCode } from "./errors.js";
export { escapeHtml, renderHtml } from "./html.js";
export { findingRecord, renderJson } from "./json.js";
export { renderMarkdown } from "./markdown.js";
export { FINDINGS_SCHEMA_NAME, type FindingsSource, readFindings } from "./read.js";
export { REPORT_FORMATS, type RenderOptions, renderReport } from "./render.js";
export { renderSarif, SARIF_SCHEMA_URI } from "./sarif.js";
export {
  DEFAULT_SUPPRESSIONS_FILE,
  globToRegExp,
  loadSuppressions,
  parseSuppressions,
  type Suppression,
  type SuppressionDiagnostic,
  SuppressionMatcher,
  SuppressionsError,
} from "./suppressions.js";
export { displayLocation, Totals } from "./totals.js";
export type {
  AppliedSuppression,
  BaselineState,
  ExpiredSuppression,
  ReportArtifact,
  ReportContext,
  ReportFinding,
  ReportFormat,
} from "./types.js";
