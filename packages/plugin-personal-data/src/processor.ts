import { setImmediate as nextTurn } from "node:timers/promises";
import {
  defineProcessor,
  formatSchemaRef,
  type InputMessage,
  type SchemaRef,
} from "@wct/plugin-api";
import { compileRules, type RuleSet, scanText, type TextMatch } from "./engine.js";
import { PersonalDataError, PersonalDataErrorCode } from "./errors.js";
import { buildEvidence } from "./evidence.js";
import { identifierWords } from "./field-names.js";
import { fingerprintValue } from "./fingerprint.js";
import { LineIndex } from "./lines.js";
import {
  type PersonalDataProperties,
  personalDataPropertiesSchema,
  selectRules,
} from "./properties.js";
import { builtinRules } from "./rules.js";
import type {
  Finding,
  FindingLocation,
  InputCoverage,
  PersonalDataOutput,
  RuleDefinition,
} from "./types.js";
import { normalizeValue } from "./validators.js";

/** Input schema produced by the filesystem connector. */
export const FILE_CONTENT_SCHEMA: SchemaRef = { name: "file_content", version: "1.0.0" };
/** Input schema produced by the SQLite connector. */
export const DATABASE_CONTENT_SCHEMA: SchemaRef = { name: "database_content", version: "1.0.0" };
/** Output schema of the processor. */
export const PERSONAL_DATA_FINDING_SCHEMA: SchemaRef = {
  name: "personal_data_finding",
  version: "1.0.0",
};

// Scanning is synchronous; handing the event loop back this often lets timeouts and
// Ctrl-C abort the signal while a large input is being scanned.
const YIELD_EVERY_MS = 25;
const BLOB_MARKER = /^<blob \d+ bytes>$/;

interface FileEntry {
  path: string;
  text: string;
}

interface Column {
  name: string;
}

interface Table {
  name: string;
  columns: Column[];
  sample_rows: Array<{ rowid: number | null; values: Record<string, unknown> }>;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

const byCodePoint = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Collects findings in output order, applying the truncation limits and counting. */
class FindingSink {
  readonly findings: Finding[] = [];
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
    if (this.findings.length >= this.maxFindings) {
      this.truncated++;
      return { keep: false, evidence: false };
    }
    const evidence = this.findings.length < this.maxEvidence;
    if (!evidence) this.evidenceOmitted++;
    return { keep: true, evidence };
  }
}

interface ScanContext {
  ruleSet: RuleSet;
  props: PersonalDataProperties;
  key: string | null;
  sink: FindingSink;
  signal: AbortSignal;
  lastYield: number;
}

async function checkpoint(ctx: ScanContext): Promise<void> {
  ctx.signal.throwIfAborted();
  if (performance.now() - ctx.lastYield >= YIELD_EVERY_MS) {
    await nextTurn();
    ctx.lastYield = performance.now();
    ctx.signal.throwIfAborted();
  }
}

function emitMatches(
  ctx: ScanContext,
  text: string,
  matches: TextMatch[],
  locate: (match: TextMatch, lines: LineIndex) => FindingLocation,
  minOffset = 0,
): void {
  if (matches.length === 0) return;
  const lines = new LineIndex(text);
  for (const match of matches) {
    const admitted = ctx.sink.admit(match.type, match.category, match.testValue);
    if (!admitted.keep) continue;
    const rule = ctx.ruleSet.byId.get(match.ruleId);
    let fingerprint: string | null = null;
    if (ctx.key && rule && rule.kind !== "field_name") {
      const normalized = normalizeValue(
        rule.normalize ?? "none",
        text.slice(match.start, match.end),
      );
      fingerprint = fingerprintValue(ctx.key, normalized);
    }
    ctx.sink.findings.push({
      type: match.type,
      category: match.category,
      location: locate(match, lines),
      confidence: match.confidence,
      reasons: match.reasons,
      evidence: admitted.evidence
        ? buildEvidence(ctx.ruleSet, text, match, ctx.props.evidence_context, lines, minOffset)
        : null,
      fingerprint,
      tags: [...(match.testValue ? ["test_value"] : []), ...(match.tags ?? [])],
    });
  }
}

async function scanFiles(ctx: ScanContext, input: InputMessage, content: Record<string, unknown>) {
  const files = (content.files as unknown[]).filter(
    (f): f is FileEntry => isObject(f) && typeof f.path === "string" && typeof f.text === "string",
  );
  files.sort((a, b) => byCodePoint(a.path, b.path));
  let bytes = 0;
  for (const file of files) {
    await checkpoint(ctx);
    const matches = scanText(file.text, {
      ruleSet: ctx.ruleSet,
      minConfidence: ctx.props.min_confidence,
      path: file.path,
    });
    bytes += Buffer.byteLength(file.text, "utf8");
    emitMatches(ctx, file.text, matches, (match, lines) => ({
      kind: "file",
      path: file.path,
      ...lines.position(match.start),
    }));
  }
  const coverage = isObject(content.coverage) ? content.coverage : {};
  const entry: InputCoverage = {
    id: input.id,
    schema: formatSchemaRef(input.schema),
    files_scanned: files.length,
    bytes_scanned: bytes,
    skipped: countsOf(coverage.skipped),
  };
  if (Array.isArray(coverage.skipped_files)) {
    entry.skipped_files = coverage.skipped_files.filter(isObject).map((f) => ({
      path: String(f.path),
      reason: String(f.reason),
    }));
  }
  return entry;
}

function countsOf(value: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  if (!isObject(value)) return out;
  for (const [k, v] of Object.entries(value)) if (typeof v === "number") out[k] = v;
  return out;
}

function cellText(value: unknown): string | null {
  if (typeof value === "string") return BLOB_MARKER.test(value) ? null : value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return null;
}

async function scanDatabase(
  ctx: ScanContext,
  input: InputMessage,
  content: Record<string, unknown>,
) {
  const database = isObject(content.database) ? content.database : {};
  const dbPath = typeof database.path === "string" ? database.path : "";
  const tables = (content.tables as unknown[]).filter(
    (t): t is Table => isObject(t) && typeof t.name === "string",
  );
  tables.sort((a, b) => byCodePoint(a.name, b.name));
  let columnsScanned = 0;
  let rowsScanned = 0;
  let bytes = 0;
  const fieldNames = ctx.ruleSet.fieldNames;
  for (const table of tables) {
    await checkpoint(ctx);
    const columns = (Array.isArray(table.columns) ? table.columns : [])
      .filter((c) => isObject(c) && typeof c.name === "string")
      .map((c) => c.name);
    for (const column of columns) {
      columnsScanned++;
      const rule = fieldNames?.match(column);
      if (!rule) continue;
      const confidence = Math.min(1, Math.round((rule.confidence + 0.1) * 100) / 100);
      if (confidence < ctx.props.min_confidence) continue;
      const admitted = ctx.sink.admit("field_name", rule.category, false);
      if (!admitted.keep) continue;
      ctx.sink.findings.push({
        type: "field_name",
        category: rule.category,
        location: { kind: "sqlite", path: dbPath, table: table.name, column, rowid: null },
        confidence,
        reasons: [`pattern:${rule.id}`, "context:column_name"],
        evidence: admitted.evidence ? column : null,
        fingerprint: null,
        tags: [],
      });
    }
    // Columns named in rows but missing from the table's column list still get scanned.
    const rows = Array.isArray(table.sample_rows) ? table.sample_rows.filter(isObject) : [];
    for (const row of rows) {
      await checkpoint(ctx);
      rowsScanned++;
      const values = isObject(row.values) ? row.values : {};
      const rowid = typeof row.rowid === "number" ? row.rowid : null;
      const names = [
        ...columns.filter((c) => c in values),
        ...Object.keys(values)
          .filter((k) => !columns.includes(k))
          .sort(byCodePoint),
      ];
      for (const column of names) {
        const value = cellText(values[column]);
        if (value === null || value === "") continue;
        bytes += Buffer.byteLength(value, "utf8");
        // The column name goes in front of the value as context: a date in `birth_date`
        // is a date of birth, nine digits in `ssn` are an SSN.
        const prefix = `${identifierWords(column).join(" ")}: `;
        const text = prefix + value;
        const matches = scanText(text, {
          ruleSet: ctx.ruleSet,
          minConfidence: ctx.props.min_confidence,
          fieldNames: false,
          from: prefix.length,
        });
        emitMatches(
          ctx,
          text,
          matches,
          () => ({ kind: "sqlite", path: dbPath, table: table.name, column, rowid }),
          prefix.length,
        );
      }
    }
  }
  const coverage = isObject(content.coverage) ? content.coverage : {};
  const skippedTables = Array.isArray(coverage.tables_skipped)
    ? coverage.tables_skipped.filter(isObject).map((t) => ({
        name: String(t.name),
        reason: String(t.reason),
      }))
    : [];
  const entry: InputCoverage = {
    id: input.id,
    schema: formatSchemaRef(input.schema),
    tables_scanned: tables.length,
    columns_scanned: columnsScanned,
    rows_scanned: rowsScanned,
    bytes_scanned: bytes,
    skipped: { tables: skippedTables.length },
    skipped_tables: skippedTables,
  };
  return entry;
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

/**
 * Scans inputs (file_content or database_content content) and returns the
 * `personal_data_finding/1.0.0` content. Exposed for embedding; the processor calls it.
 */
export async function findPersonalData(
  inputs: ReadonlyArray<InputMessage>,
  rawProperties: unknown,
  signal: AbortSignal = new AbortController().signal,
): Promise<PersonalDataOutput> {
  const props = parseProperties(rawProperties);
  const enabled = selectRules(props.rules);
  const ruleSet = compileRules(enabled, [
    ...builtinRules,
    ...((props.rules?.add ?? []) as RuleDefinition[]),
  ]);
  const ctx: ScanContext = {
    ruleSet,
    props,
    key: resolveKey(props),
    sink: new FindingSink(props.max_findings, props.max_evidence),
    signal,
    lastYield: performance.now(),
  };
  const coverage: InputCoverage[] = [];
  for (const input of inputs) {
    signal.throwIfAborted();
    const content = isObject(input.content) ? input.content : {};
    if (Array.isArray(content.files)) {
      coverage.push(await scanFiles(ctx, input, content));
    } else if (Array.isArray(content.tables)) {
      coverage.push(await scanDatabase(ctx, input, content));
    } else {
      throw new PersonalDataError(
        PersonalDataErrorCode.UnsupportedInput,
        `Input "${input.id}" (${formatSchemaRef(input.schema)}) has neither files[] nor tables[]: give the personal_data processor a file_content or database_content artifact.`,
      );
    }
  }
  const { sink } = ctx;
  return {
    findings: sink.findings,
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
    rules: { enabled: [...ruleSet.enabled] },
    fingerprint: ctx.key ? "enabled" : "disabled",
  };
}

/** The `personal_data` processor. */
export const personalDataProcessor = defineProcessor({
  type: "personal_data",
  description:
    "Finds personal data (e-mails, phone numbers, IPs, cards, IBANs, national ids, dates of birth, personal-data field names) in files and SQLite samples, with masked evidence and keyed fingerprints.",
  inputSchemas: [[FILE_CONTENT_SCHEMA], [DATABASE_CONTENT_SCHEMA]],
  outputSchema: PERSONAL_DATA_FINDING_SCHEMA,
  properties: personalDataPropertiesSchema,
  async process({ inputs, properties, signal, log }) {
    const output = await findPersonalData(inputs, properties, signal);
    log.info("personal data scan finished", {
      inputs: inputs.length,
      findings: output.summary.total,
      findings_truncated: output.coverage.findings_truncated,
      fingerprint: output.fingerprint,
    });
    return output;
  },
});
