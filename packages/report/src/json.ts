import { Totals } from "./totals.js";
import type { ReportContext, ReportFinding } from "./types.js";

/** One finding as the JSON and HTML reports carry it (snake_case, masked evidence only). */
export function findingRecord(item: ReportFinding) {
  return {
    artifact: item.artifact,
    identity: item.identity,
    baseline_state: item.state,
    suppression: item.suppression,
    ...item.finding,
  };
}

/** The report as one JSON document, findings streamed; totals come after them. */
export async function* renderJson(
  findings: AsyncIterable<ReportFinding>,
  ctx: ReportContext,
): AsyncGenerator<string> {
  const head = {
    format_version: 1,
    generated_at: ctx.generated_at,
    tool: { name: "wct", version: ctx.tool_version },
    run: ctx.run,
    baseline_run: ctx.baseline_run,
    artifacts: ctx.artifacts,
    expired_suppressions: ctx.expired_suppressions,
  };
  yield `${JSON.stringify(head, null, 2).slice(0, -2)},\n  "findings": [`;
  const totals = new Totals();
  let batch = "";
  let first = true;
  for await (const item of findings) {
    totals.add(item);
    batch += `${first ? "\n" : ",\n"}    ${JSON.stringify(findingRecord(item))}`;
    first = false;
    if (batch.length > 65536) {
      yield batch;
      batch = "";
    }
  }
  yield `${batch}${first ? "" : "\n  "}],\n  "totals": ${JSON.stringify(totals.toJSON())}\n}\n`;
}
