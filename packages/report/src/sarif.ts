import { isAbsolute } from "node:path";
import { pathToFileURL } from "node:url";
import { builtinRules } from "@wct/plugin-personal-data";
import type { ReportContext, ReportFinding } from "./types.js";

/** `$schema` written into SARIF logs. */
export const SARIF_SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json";

// Help text per finding type: the built-in rules' descriptions (several rules may share
// a type, e.g. the phone-number variants).
function builtinHelp(): Map<string, string[]> {
  const help = new Map<string, string[]>();
  for (const rule of builtinRules) {
    const type = rule.kind === "field_name" ? "field_name" : rule.type;
    if (!rule.description) continue;
    const list = help.get(type) ?? [];
    if (!list.includes(rule.description)) list.push(rule.description);
    help.set(type, list);
  }
  return help;
}

function ruleName(type: string): string {
  return type
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]?.toUpperCase() + w.slice(1))
    .join("");
}

// Relative paths stay relative to the scanned root (`SRCROOT`); an absolute one (a
// database given by absolute path) becomes a file: URI.
function artifactLocation(path: string): { uri: string; uriBaseId?: string } {
  const posix = path.replace(/\\/g, "/");
  if (isAbsolute(path)) return { uri: pathToFileURL(path).href };
  return {
    uri: posix
      .replace(/^\.\//, "")
      .split("/")
      .map((s) => encodeURIComponent(s))
      .join("/"),
    uriBaseId: "SRCROOT",
  };
}

function result(item: ReportFinding, ruleIndex: number) {
  const f = item.finding;
  const l = f.location;
  const physicalLocation =
    l.kind === "file"
      ? {
          artifactLocation: artifactLocation(l.path),
          region: { startLine: Math.max(1, l.line), startColumn: Math.max(1, l.column) },
        }
      : { artifactLocation: artifactLocation(l.path) };
  const location: Record<string, unknown> = { physicalLocation };
  if (l.kind === "sqlite") {
    location["logicalLocations"] = [
      { name: l.column, fullyQualifiedName: `${l.table}.${l.column}`, kind: "member" },
    ];
  }
  const partialFingerprints: Record<string, string> = { "wct/identity/v1": item.identity };
  if (f.fingerprint !== null) partialFingerprints["wct/fingerprint/v1"] = f.fingerprint;
  const out: Record<string, unknown> = {
    ruleId: f.type,
    ruleIndex,
    level: f.tags.includes("test_value") ? "note" : "warning",
    message: {
      text: `${f.type} (${f.category})${f.evidence === null ? "" : `: ${f.evidence}`}`,
    },
    locations: [location],
    partialFingerprints,
    rank: Math.round(Math.min(1, Math.max(0, f.confidence)) * 100),
    properties: {
      category: f.category,
      confidence: f.confidence,
      tags: f.tags,
      artifact: item.artifact,
      ...(l.kind === "sqlite" && l.rowid !== null ? { rowid: l.rowid } : {}),
    },
  };
  if (item.state !== null) out["baselineState"] = item.state;
  if (item.suppression !== null) {
    out["suppressions"] = [
      {
        kind: "external",
        status: "accepted",
        justification: item.suppression.reason,
        properties: {
          author: item.suppression.author,
          expires: item.suppression.expires,
          source: item.suppression.source,
        },
      },
    ];
  }
  return out;
}

/**
 * A SARIF 2.1.0 log with one run: one rule per finding type (help text, category),
 * results streamed in one pass (rules are written after them: JSON keys have no order).
 */
export async function* renderSarif(
  findings: AsyncIterable<ReportFinding>,
  ctx: ReportContext,
): AsyncGenerator<string> {
  const invocation: Record<string, unknown> = {
    executionSuccessful: ctx.run.status === "completed",
    startTimeUtc: ctx.run.started_at,
    ...(ctx.run.completed_at ? { endTimeUtc: ctx.run.completed_at } : {}),
    toolExecutionNotifications: ctx.expired_suppressions.map((e) => ({
      level: "warning",
      descriptor: { id: "wct/expired-suppression" },
      message: {
        text: `suppression at ${e.source} expired on ${e.expires} and no longer applies (reason was: ${e.reason})`,
      },
    })),
  };
  const head = {
    automationDetails: { id: `wct/${ctx.run.run_id}` },
    originalUriBaseIds: {
      SRCROOT: {
        description: { text: "The root of each scanned source (paths are relative to it)." },
      },
    },
    invocations: [invocation],
    properties: {
      run_id: ctx.run.run_id,
      runbook_path: ctx.run.runbook_path,
      baseline_run: ctx.baseline_run,
      artifacts: ctx.artifacts,
    },
  };
  yield `{\n  "$schema": ${JSON.stringify(SARIF_SCHEMA_URI)},\n  "version": "2.1.0",\n  "runs": [\n    {\n      "results": [`;
  const help = builtinHelp();
  const rules = new Map<string, { index: number; categories: Set<string> }>();
  let batch = "";
  let first = true;
  for await (const item of findings) {
    const type = item.finding.type;
    let rule = rules.get(type);
    if (rule === undefined) {
      rule = { index: rules.size, categories: new Set() };
      rules.set(type, rule);
    }
    rule.categories.add(item.finding.category);
    batch += `${first ? "\n" : ",\n"}        ${JSON.stringify(result(item, rule.index))}`;
    first = false;
    if (batch.length > 65536) {
      yield batch;
      batch = "";
    }
  }
  const ruleObjects = [...rules].map(([type, { categories }]) => {
    const texts = help.get(type) ?? [];
    const cats = [...categories].sort();
    const short = `Personal data of type ${type}`;
    const full = texts.length ? texts.join(" ") : `${short} (categories: ${cats.join(", ")}).`;
    return {
      id: type,
      name: ruleName(type) || type,
      shortDescription: { text: short },
      fullDescription: { text: full },
      help: {
        text: `${full} Categories: ${cats.join(", ")}. Remove the value, mask it, or suppress the finding with a reason in wct-suppressions.yaml.`,
      },
      defaultConfiguration: { level: "warning" },
      properties: {
        category: cats[0],
        categories: cats,
        tags: ["privacy", "personal-data", ...cats],
      },
    };
  });
  const driver = {
    name: "wct",
    version: ctx.tool_version,
    rules: ruleObjects,
  };
  const tail = JSON.stringify({ tool: { driver }, ...head }, null, 2)
    .slice(1, -1)
    .replace(/\n/g, "\n      ")
    .trimEnd();
  yield `${batch}${first ? "" : "\n      "}],${tail}\n    }\n  ]\n}\n`;
}
