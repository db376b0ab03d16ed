import type { Finding, PersonalDataOutput } from "@wct/plugin-personal-data";
import { findPersonalData } from "@wct/plugin-personal-data";
import { databaseInput, fileInput } from "../../plugin-personal-data/test/helpers.js";
import {
  type AnnotateOptions,
  annotateFindings,
  emptyStats,
  type FindingsSource,
  type ReportContext,
  type ReportFormat,
  renderReport,
} from "../src/index.js";

/** Real-looking personal data (no well-known test values). */
export const RAW = [
  "jane.doe@corp-mail.io",
  "+44 20 7946 0958",
  "81.2.69.160",
  "4539 5787 6362 1486",
  "GB29 NWBK 6016 1331 9268 19",
  "536-22-1234",
  "1985-03-12",
];

/** A real scan (the personal-data processor) of a file and a table full of RAW values. */
export async function scanCorpus(): Promise<PersonalDataOutput> {
  return findPersonalData(
    [
      fileInput([
        {
          path: "src/contact.ts",
          text: `const contact = { email: "${RAW[0]}", phone: "${RAW[1]}" };\n// from ${RAW[2]}\ncard=${RAW[3]};iban=${RAW[4]}\nssn ${RAW[5]} dob: ${RAW[6]}\n`,
        },
      ]),
      databaseInput([
        {
          name: "people",
          columns: ["id", "email", "dob"],
          rows: [{ rowid: 1, values: { id: 1, email: RAW[0] as string, dob: RAW[6] as string } }],
        },
      ]),
    ],
    { evidence_context: 200, fingerprint_key: "report-test-key-0123456789" },
  );
}

export function sourceOf(
  id: string,
  findings: Finding[],
  output?: PersonalDataOutput,
): FindingsSource {
  return {
    artifact: {
      id,
      coverage: output?.coverage.inputs ?? [],
      findings_truncated: 0,
      evidence_omitted: 0,
      fingerprint: "enabled",
      rules: [],
    },
    findings: (async function* () {
      yield* findings;
    })(),
  };
}

export function context(over: Partial<ReportContext> = {}): ReportContext {
  return {
    run: {
      run_id: "01900000-0000-7000-8000-000000000001",
      runbook_path: "scan.yaml",
      status: "completed",
      started_at: "2026-01-01T00:00:00.000Z",
      completed_at: "2026-01-01T00:00:01.000Z",
    },
    artifacts: [],
    baseline_run: null,
    expired_suppressions: [],
    generated_at: "2026-01-01T00:00:02.000Z",
    tool_version: "0.1.0",
    ...over,
  };
}

/** A synthetic file finding (masked evidence, as the processor writes it). */
export function fileFinding(i: number, over: Partial<Finding> = {}): Finding {
  const types = ["email", "phone_number", "ip_address", "payment_card", "iban"];
  const type = types[i % types.length] as string;
  return {
    type,
    category: `user.test.${type}`,
    location: {
      kind: "file",
      path: `src/module${i % 97}/file${i % 13}.ts`,
      line: 1 + (i % 400),
      column: 1 + (i % 60),
    },
    confidence: 0.5 + (i % 50) / 100,
    reasons: ["pattern"],
    evidence: `value=${"*".repeat(4 + (i % 9))}@***.com #${i}`,
    fingerprint: `hmac-sha256:${i.toString(16).padStart(64, "0")}`,
    tags: i % 7 === 0 ? ["test_value"] : [],
    ...over,
  };
}

/** Renders `findings` (one artifact) to a string through the whole pipeline. */
export async function render(
  format: ReportFormat,
  findings: Finding[],
  options: { annotate?: AnnotateOptions; ctx?: Partial<ReportContext>; baseline?: Finding[] } = {},
): Promise<string> {
  const annotate: AnnotateOptions = { ...options.annotate };
  if (options.baseline) annotate.baseline = [sourceOf("findings", options.baseline)];
  const stream = annotateFindings([sourceOf("findings", findings)], annotate, emptyStats());
  let out = "";
  for await (const chunk of renderReport(format, stream, context(options.ctx))) out += chunk;
  return out;
}
