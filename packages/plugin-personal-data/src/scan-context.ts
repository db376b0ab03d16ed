// What every scan of the personal_data processor shares, whatever it reads (files,
// rows, tables) and however (held whole, streamed, on threads): the rules and settings
// of one scan (`ScanContext`), the findings limits and counts (`FindingSink`), how a
// match becomes a finding, and the summary a scan closes with.
import { setImmediate as nextTurn } from "node:timers/promises";
import { formatSchemaRef, type SchemaRef } from "@wct/plugin-api";
import type { RuleSet, TextMatch } from "./engine.js";
import { PersonalDataError, PersonalDataErrorCode } from "./errors.js";
import { type FindingDraft, findingOf } from "./file-scan.js";
import { LineIndex } from "./lines.js";
import {
  type PersonalDataProperties,
  personalDataPropertiesSchema,
  ruleSetOf,
} from "./properties.js";
import type { Finding, FindingLocation, InputCoverage, PersonalDataOutput } from "./types.js";

// Scanning is synchronous; handing the event loop back this often lets timeouts and
// Ctrl-C abort the signal while a large input is being scanned.
const YIELD_EVERY_MS = 25;
/** Rows scanned between two looks at the clock (and progress reports). */
export const ROW_STRIDE = 64;

/** Whether `v` is a plain object (not null, not an array). */
export const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** Compares strings with `<` (by UTF-16 code unit): the same order whatever the locale. */
export const byCodePoint = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Collects findings in output order, applying the truncation limits and counting. */
export class FindingSink {
  /** Findings kept and not yet handed on (the streamed path drains it as it goes). */
  findings: Finding[] = [];
  kept = 0;
  truncated = 0;
  evidenceOmitted = 0;
  total = 0;
  testValues = 0;
  readonly byType: Record<string, number> = {};
  readonly byCategory: Record<string, number> = {};
  // Values and field names counted apart: "12 e-mail values, 40 fields that hold e-mails".
  readonly values = { total: 0, by_type: {} as Record<string, number> };
  readonly fieldNames = { total: 0, by_category: {} as Record<string, number> };

  constructor(
    private readonly maxFindings: number,
    private readonly maxEvidence: number,
  ) {}

  /** Counts a finding; returns whether it is kept, and whether it gets evidence. */
  admit(type: string, category: string, testValue: boolean): { keep: boolean; evidence: boolean } {
    this.total++;
    this.byType[type] = (this.byType[type] ?? 0) + 1;
    this.byCategory[category] = (this.byCategory[category] ?? 0) + 1;
    if (testValue) this.testValues++;
    if (type === "field_name") {
      this.fieldNames.total++;
      this.fieldNames.by_category[category] = (this.fieldNames.by_category[category] ?? 0) + 1;
    } else {
      this.values.total++;
      this.values.by_type[type] = (this.values.by_type[type] ?? 0) + 1;
    }
    if (this.kept >= this.maxFindings) {
      this.truncated++;
      return { keep: false, evidence: false };
    }
    const evidence = this.kept < this.maxEvidence;
    this.kept++;
    if (!evidence) this.evidenceOmitted++;
    return { keep: true, evidence };
  }
}

/** The rules, settings and findings of one scan. */
export interface ScanContext {
  ruleSet: RuleSet;
  props: PersonalDataProperties;
  key: string | null;
  sink: FindingSink;
  signal: AbortSignal;
  lastYield: number;
  /** Context prefixes of column names (see `columnPrefix` in rows.ts). */
  prefixes: Map<string, string>;
  /** What {@link findingOf} needs, built once. */
  findingSettings: Parameters<typeof findingOf>[0];
}

/** Throws once the scan is aborted; hands the event loop back every YIELD_EVERY_MS. */
export async function checkpoint(ctx: ScanContext): Promise<void> {
  ctx.signal.throwIfAborted();
  if (performance.now() - ctx.lastYield >= YIELD_EVERY_MS) {
    await nextTurn();
    ctx.lastYield = performance.now();
    ctx.signal.throwIfAborted();
  }
}

/** Admits the matches of `text` and adds the kept ones' findings, in order. */
export function emitMatches(
  ctx: ScanContext,
  text: string,
  matches: TextMatch[],
  locate: (match: TextMatch, lines: LineIndex) => FindingLocation,
  minOffset = 0,
): void {
  if (matches.length === 0) return;
  const lines = new LineIndex(text);
  const settings = ctx.findingSettings;
  for (const match of matches) {
    const admitted = ctx.sink.admit(match.type, match.category, match.testValue);
    if (!admitted.keep) continue;
    ctx.sink.findings.push(
      findingOf(settings, text, match, locate(match, lines), lines, admitted.evidence, minOffset),
    );
  }
}

/** Admits one file's drafts in order, as {@link emitMatches} would have emitted them. */
export function admitDrafts(sink: FindingSink, drafts: readonly FindingDraft[]): void {
  for (const { finding, testValue } of drafts) {
    const admitted = sink.admit(finding.type, finding.category, testValue);
    if (!admitted.keep) continue;
    sink.findings.push(admitted.evidence ? finding : { ...finding, evidence: null });
  }
}

function resolveKey(props: PersonalDataProperties): string | null {
  if (props.fingerprint_key) return props.fingerprint_key;
  const fromEnv = process.env.WCT_FINGERPRINT_KEY;
  if (fromEnv === undefined || fromEnv === "") return null;
  if (fromEnv.length < 16) {
    throw new PersonalDataError(
      PersonalDataErrorCode.FingerprintKey,
      "WCT_FINGERPRINT_KEY is shorter than 16 characters: set a longer secret, or unset it to run without fingerprints.",
    );
  }
  return fromEnv;
}

function parseProperties(raw: unknown): PersonalDataProperties {
  const parsed = personalDataPropertiesSchema.safeParse(raw ?? {});
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues
    .map((i) => `${["properties", ...i.path.map(String)].join(".")}: ${i.message}`)
    .join("; ");
  throw new PersonalDataError(
    PersonalDataErrorCode.Properties,
    `Invalid properties of the personal_data processor: ${issues}.`,
  );
}

/** The context of one scan: its properties checked, its rules compiled. */
export function scanContext(rawProperties: unknown, signal: AbortSignal): ScanContext {
  const props = parseProperties(rawProperties);
  const ruleSet = ruleSetOf(props);
  const key = resolveKey(props);
  const ctx: ScanContext = {
    ruleSet,
    props,
    key,
    sink: new FindingSink(props.max_findings, props.max_evidence),
    signal,
    lastYield: performance.now(),
    prefixes: new Map(),
    findingSettings: { ruleSet, evidenceContext: props.evidence_context, key },
  };
  return ctx;
}

/** What a scan closes with: its summary, coverage, rules and fingerprinting. */
export function closing(
  ctx: ScanContext,
  coverage: InputCoverage[],
): Omit<PersonalDataOutput, "findings"> {
  const { sink } = ctx;
  return {
    summary: {
      total: sink.total,
      by_type: sink.byType,
      by_category: sink.byCategory,
      test_values: sink.testValues,
      values: sink.values,
      field_names: sink.fieldNames,
    },
    coverage: {
      inputs: coverage,
      findings_truncated: sink.truncated,
      evidence_omitted: sink.evidenceOmitted,
    },
    rules: { enabled: [...ctx.ruleSet.enabled] },
    fingerprint: ctx.key ? "enabled" : "disabled",
  };
}

/** The error of an input that holds neither files, rows nor tables. */
export function unsupported(input: { id: string; schema: SchemaRef }): PersonalDataError {
  return new PersonalDataError(
    PersonalDataErrorCode.UnsupportedInput,
    `Input "${input.id}" (${formatSchemaRef(input.schema)}) has neither files[] nor rows[] nor tables[]: give the personal_data processor a file_content or database_content artifact.`,
  );
}

/** The findings admitted so far, taken from the sink. */
export function drain(ctx: ScanContext): Finding[] {
  const found = ctx.sink.findings;
  ctx.sink.findings = [];
  return found;
}
