import type { ReportFinding } from "./types.js";

const HEADER = [
  "artifact",
  "path",
  "line",
  "column",
  "table",
  "table_column",
  "type",
  "category",
  "confidence",
  "evidence",
  "tags",
  "baseline_state",
  "suppressed",
  "suppression_reason",
  "identity",
];

// Quoted when needed (RFC 4180); a leading = + - @ is prefixed with ' so a spreadsheet
// never runs a finding's text as a formula.
function cell(value: string | number | null): string {
  if (value === null) return "";
  let text = String(value);
  if (typeof value === "string" && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** CSV with a header row, one line per finding, streamed. */
export async function* renderCsv(findings: AsyncIterable<ReportFinding>): AsyncGenerator<string> {
  yield `${HEADER.join(",")}\r\n`;
  let batch = "";
  for await (const item of findings) {
    const f = item.finding;
    const l = f.location;
    batch += `${[
      item.artifact,
      l.path,
      l.kind === "file" ? l.line : null,
      l.kind === "file" ? l.column : null,
      l.kind === "sqlite" ? l.table : null,
      l.kind === "sqlite" ? l.column : null,
      f.type,
      f.category,
      f.confidence,
      f.evidence,
      f.tags.join(" "),
      item.state,
      item.suppression ? "yes" : "no",
      item.suppression?.reason ?? null,
      item.identity,
    ]
      .map(cell)
      .join(",")}\r\n`;
    if (batch.length > 65536) {
      yield batch;
      batch = "";
    }
  }
  if (batch) yield batch;
}
