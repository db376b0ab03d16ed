import type { RunSummary } from "@wct/executor";
import type { ArtifactStore } from "@wct/store-core";

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

// A content's `summary` object, if it has one, rendered one line per key; otherwise its
// size. Generic on purpose: the CLI knows no plugin's schema.
function describeContent(content: unknown): string[] {
  if (isRecord(content) && isRecord(content["summary"])) {
    const scalars: string[] = [];
    const lines: string[] = [];
    for (const [key, value] of Object.entries(content["summary"])) {
      if (isRecord(value)) {
        const parts = Object.entries(value)
          .sort(([, a], [, b]) => (typeof b === "number" && typeof a === "number" ? b - a : 0))
          .map(([k, v]) => `${k} ${typeof v === "object" ? JSON.stringify(v) : String(v)}`);
        lines.push(`${key}: ${parts.length ? parts.join(", ") : "none"}`);
      } else {
        scalars.push(
          `${key}: ${typeof value === "object" ? JSON.stringify(value) : String(value)}`,
        );
      }
    }
    return scalars.length ? [scalars.join("; "), ...lines] : lines;
  }
  if (Array.isArray(content)) return [`${content.length} items`];
  if (isRecord(content)) return [`an object with ${Object.keys(content).length} keys`];
  return [JSON.stringify(content)];
}

function describeStreamed(field: string, closing: Record<string, unknown>): string[] {
  return isRecord(closing["summary"]) ? describeContent(closing) : [`streamed ${field}`];
}

/**
 * The run's report: every completed `output: true` artifact with a short description
 * of its content, and how to see all of it. `closings`: the summaries of streamed
 * artifacts this run stored (its `artifact_finished` events), by id; a streamed output
 * not among them (kept from an earlier attempt) has its summary read from the store,
 * which reads through its whole stream.
 */
export async function outputReport(
  store: ArtifactStore,
  summary: RunSummary,
  closings: ReadonlyMap<string, Record<string, unknown>> = new Map(),
): Promise<string> {
  const outputs = summary.artifacts.filter((a) => a.output && a.status === "completed");
  if (outputs.length === 0) return "";
  const lines = ["", "OUTPUTS"];
  let findings = false;
  for (const artifact of outputs) {
    // Through a reader: a streamed output's summary is read without holding its records.
    const reader = await store.openArtifactReader(summary.run_id, artifact.id);
    try {
      const { schema, content } = reader.envelope;
      if (reader.layout?.recordsField === "findings") findings = true;
      else if (isRecord(content) && Array.isArray(content["findings"])) findings = true;
      lines.push(`  ${artifact.id}  (${schema.name}/${schema.version})`);
      const described = reader.layout
        ? describeStreamed(
            reader.layout.recordsField,
            closings.get(artifact.id) ?? (await reader.summary()),
          )
        : describeContent(content);
      for (const line of described) lines.push(`    ${line}`);
    } finally {
      await reader.close();
    }
  }
  lines.push("", `see an output in full: wct inspect ${summary.run_id} ${outputs[0]?.id ?? ""}`);
  if (findings) {
    lines.push(
      `get a report of the findings: wct report ${summary.run_id} --format html --output report.html`,
      "  (or --format sarif | md | csv | json; --baseline <run> marks what is new)",
    );
  }
  return `${lines.join("\n")}\n`;
}
