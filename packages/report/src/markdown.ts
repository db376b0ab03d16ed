import { displayLocation, Totals } from "./totals.js";
import type { ReportContext, ReportFinding } from "./types.js";

// Text in a table cell: no pipes or newlines, inline code for evidence.
function mdCell(text: string): string {
  return text
    .replace(/\\/g, "\\\\")
    .replace(/\|/g, "\\|")
    .replace(/[\r\n]+/g, " ");
}

function code(text: string | null): string {
  if (text === null) return "";
  const clean = mdCell(text);
  const ticks = clean.includes("`") ? "``" : "`";
  return `${ticks}${ticks === "``" ? " " : ""}${clean}${ticks === "``" ? " " : ""}${ticks}`;
}

/**
 * Markdown for a pull-request comment: totals, then the first `limit` findings (new
 * ones first when there is a baseline; suppressed and absent ones are only counted).
 */
export async function* renderMarkdown(
  findings: AsyncIterable<ReportFinding>,
  ctx: ReportContext,
  limit = 50,
): AsyncGenerator<string> {
  const totals = new Totals();
  const shown: ReportFinding[] = [];
  const later: ReportFinding[] = [];
  for await (const item of findings) {
    totals.add(item);
    if (item.state === "absent" || item.suppression) continue;
    if (shown.length < limit && item.state !== "unchanged") shown.push(item);
    else if (later.length < limit && item.state === "unchanged") later.push(item);
  }
  const rows = [...shown, ...later].slice(0, limit);
  const open = totals.total - totals.suppressed;
  const out: string[] = [
    `## wct report: ${totals.total} personal-data finding${totals.total === 1 ? "" : "s"}`,
    "",
  ];
  const facts = [
    `run \`${ctx.run.run_id}\` (${ctx.run.status})`,
    `runbook \`${mdCell(ctx.run.runbook_path)}\``,
  ];
  if (ctx.baseline_run) {
    facts.push(
      `against baseline \`${ctx.baseline_run}\`: **${totals.byState.get("new") ?? 0} new**, ${totals.byState.get("unchanged") ?? 0} unchanged, ${totals.absent} absent`,
    );
  }
  if (totals.suppressed) facts.push(`${totals.suppressed} suppressed`);
  out.push(facts.join(" · "), "");
  for (const e of ctx.expired_suppressions) {
    out.push(
      `> ⚠️ suppression at \`${mdCell(e.source)}\` expired on ${e.expires} and no longer applies`,
    );
  }
  if (ctx.expired_suppressions.length) out.push("");
  out.push("| type | findings |", "|---|---:|");
  for (const [type, n] of Totals.sorted(totals.byType)) out.push(`| ${mdCell(type)} | ${n} |`);
  out.push("", "| category | findings |", "|---|---:|");
  for (const [category, n] of Totals.sorted(totals.byCategory))
    out.push(`| ${mdCell(category)} | ${n} |`);
  out.push("");
  if (rows.length > 0) {
    out.push(
      `### ${rows.length === open ? "Findings" : `First ${rows.length} of ${open} unsuppressed findings`}`,
      "",
      `| location | type | category | confidence | evidence${ctx.baseline_run ? " | state" : ""} |`,
      `|---|---|---|---:|---${ctx.baseline_run ? "|---" : ""}|`,
    );
    for (const item of rows) {
      const f = item.finding;
      out.push(
        `| ${code(displayLocation(item).where)} | ${mdCell(f.type)} | ${mdCell(f.category)} | ${f.confidence.toFixed(2)} | ${code(f.evidence)}${ctx.baseline_run ? ` | ${item.state}` : ""} |`,
      );
    }
    out.push("");
  }
  yield `${out.join("\n")}\n`;
}
