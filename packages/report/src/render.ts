import { renderCsv } from "./csv.js";
import { renderHtml } from "./html.js";
import { renderJson } from "./json.js";
import { renderMarkdown } from "./markdown.js";
import { renderSarif } from "./sarif.js";
import type { ReportContext, ReportFinding, ReportFormat } from "./types.js";

export { REPORT_FORMATS } from "./constants.js";

/** Options of `renderReport`. */
export interface RenderOptions {
  /** Markdown: how many findings to list (default 50). */
  limit?: number;
}

/** The report in `format`, as chunks of text to write in order (one pass over findings). */
export function renderReport(
  format: ReportFormat,
  findings: AsyncIterable<ReportFinding>,
  ctx: ReportContext,
  options: RenderOptions = {},
): AsyncIterable<string> {
  switch (format) {
    case "sarif":
      return renderSarif(findings, ctx);
    case "html":
      return renderHtml(findings, ctx);
    case "md":
      return renderMarkdown(findings, ctx, options.limit);
    case "csv":
      return renderCsv(findings);
    case "json":
      return renderJson(findings, ctx);
  }
}
