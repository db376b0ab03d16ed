import { setImmediate as nextTurn } from "node:timers/promises";
import { PERSONAL_DATA_FINDING_SCHEMA_NAME } from "@wct/findings";
import {
  defineProcessor,
  formatSchemaRef,
  type InputMessage,
  type ProgressReport,
  type RecordInput,
  type SchemaRef,
  type StreamedContent,
  streamContent,
} from "@wct/plugin-api";
import { cellMatches, type PackedCellMatches, scanCell } from "./cell-matches.js";
import { type RuleSet, scanText, type TextMatch } from "./engine.js";
import { PersonalDataError, PersonalDataErrorCode } from "./errors.js";
import { identifierWords } from "./field-names.js";
import { type FindingDraft, findingOf } from "./file-scan.js";
import { LineIndex } from "./lines.js";
import {
  type PersonalDataProperties,
  personalDataPropertiesSchema,
  ruleSetOf,
} from "./properties.js";
import {
  rowScanWorkerCount,
  ScanPool,
  scanWorkerCount,
  scanWorkersAfterBytes,
  scanWorkersAfterRows,
} from "./scan-pool.js";
import type { Finding, FindingLocation, InputCoverage, PersonalDataOutput } from "./types.js";

/** Input schema produced by the filesystem connector. */
export const FILE_CONTENT_SCHEMA: SchemaRef = { name: "file_content", version: "1.0.0" };
/** Input schema produced by the SQLite connector: rows streamed table by table. */
export const DATABASE_CONTENT_SCHEMA: SchemaRef = { name: "database_content", version: "2.0.0" };
/** The earlier SQLite schema (tables holding their sample rows), still read. */
export const DATABASE_CONTENT_V1_SCHEMA: SchemaRef = { name: "database_content", version: "1.0.0" };
/** Output schema of the processor. */
export const PERSONAL_DATA_FINDING_SCHEMA: SchemaRef = {
  name: PERSONAL_DATA_FINDING_SCHEMA_NAME,
  version: "1.0.0",
};

// Scanning is synchronous; handing the event loop back this often lets timeouts and
// Ctrl-C abort the signal while a large input is being scanned.
const YIELD_EVERY_MS = 25;
/** Rows scanned between two looks at the clock (and progress reports). */
const ROW_STRIDE = 64;
const BLOB_MARKER = /^<blob \d+ bytes>$/;

interface FileEntry {
  path: string;
  text: string;
}

interface Column {
  name: string;
}

interface TableHead {
  name: string;
  columns: Column[];
}

interface Table extends TableHead {
  sample_rows: Array<{ rowid: number | null; values: Record<string, unknown> }>;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

const byCodePoint = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Collects findings in output order, applying the truncation limits and counting. */
class FindingSink {
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

interface ScanContext {
  ruleSet: RuleSet;
  props: PersonalDataProperties;
  key: string | null;
  sink: FindingSink;
  signal: AbortSignal;
  lastYield: number;
  /** Context prefixes of column names, see {@link columnPrefix}. */
  prefixes: Map<string, string>;
  /** What {@link findingOf} needs, built once. */
  findingSettings: Parameters<typeof findingOf>[0];
  /** The batch of one row scanned here, reused. */
  rowBatch: CellBatch;
  /** Scans a cell on this thread. */
  scanHere: CellMatches;
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
function admitDrafts(sink: FindingSink, drafts: readonly FindingDraft[]): void {
  for (const { finding, testValue } of drafts) {
    const admitted = sink.admit(finding.type, finding.category, testValue);
    if (!admitted.keep) continue;
    sink.findings.push(admitted.evidence ? finding : { ...finding, evidence: null });
  }
}

async function scanFile(ctx: ScanContext, file: FileEntry): Promise<number> {
  await checkpoint(ctx);
  const matches = scanText(file.text, {
    ruleSet: ctx.ruleSet,
    minConfidence: ctx.props.min_confidence,
    path: file.path,
  });
  emitMatches(ctx, file.text, matches, (match, lines) => ({
    kind: "file",
    path: file.path,
    ...lines.position(match.start),
  }));
  return Buffer.byteLength(file.text, "utf8");
}

const isFile = (f: unknown): f is FileEntry =>
  isObject(f) && typeof f.path === "string" && typeof f.text === "string";

function fileCoverage(
  input: { id: string; schema: SchemaRef },
  coverage: unknown,
  files: number,
  bytes: number,
): InputCoverage {
  const known = isObject(coverage) ? coverage : {};
  const entry: InputCoverage = {
    id: input.id,
    schema: formatSchemaRef(input.schema),
    files_scanned: files,
    bytes_scanned: bytes,
    skipped: countsOf(known.skipped),
  };
  if (Array.isArray(known.skipped_files)) {
    entry.skipped_files = known.skipped_files.filter(isObject).map((f) => ({
      path: String(f.path),
      reason: String(f.reason),
    }));
  }
  return entry;
}

async function scanFiles(ctx: ScanContext, input: InputMessage, content: Record<string, unknown>) {
  const files = (content.files as unknown[]).filter(isFile);
  files.sort((a, b) => byCodePoint(a.path, b.path));
  let bytes = 0;
  for (const file of files) bytes += await scanFile(ctx, file);
  return fileCoverage(input, content.coverage, files.length, bytes);
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

interface TableCounts {
  columns: number;
  rows: number;
  bytes: number;
}

/** The names of a table head's columns, in its order. */
function columnNamesOf(table: TableHead): string[] {
  return (Array.isArray(table.columns) ? table.columns : [])
    .filter((c) => isObject(c) && typeof c.name === "string")
    .map((c) => c.name);
}

/** Field-name findings of a table's columns; returns the column names. */
function scanColumns(ctx: ScanContext, table: TableHead, dbPath: string, counts: TableCounts) {
  const fieldNames = ctx.ruleSet.fieldNames;
  const columns = columnNamesOf(table);
  for (const column of columns) {
    counts.columns++;
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
  return columns;
}

/**
 * `identifierWords(column)` as the context put in front of a cell's value, computed once
 * per column name: a million rows of one table share a handful of columns.
 */
function columnPrefix(prefixes: Map<string, string>, column: string): string {
  let prefix = prefixes.get(column);
  if (prefix === undefined) {
    prefix = `${identifierWords(column).join(" ")}: `;
    prefixes.set(column, prefix);
  }
  return prefix;
}

/**
 * Rows' cells to scan, in flat arrays: `texts` and `froms` go to a scanning thread as
 * they are, the rest stays for the findings. Cleared and reused, not made per row.
 */
class CellBatch {
  /** Each cell's text: its column's context prefix, then its value. */
  readonly texts: string[] = [];
  /** Where each cell's value starts (after the prefix): matches start there or later. */
  readonly froms: number[] = [];
  readonly columns: string[] = [];
  readonly tables: string[] = [];
  readonly rowids: Array<number | null> = [];
  /** Per row, the index in the cell arrays after its last cell. */
  readonly ends: number[] = [];
  /** Per row, the UTF-8 bytes of its scanned values. */
  readonly bytes: number[] = [];
  /** Characters of all the cells' texts. */
  chars = 0;

  get rows(): number {
    return this.tables.length;
  }

  clear(): void {
    this.texts.length = 0;
    this.froms.length = 0;
    this.columns.length = 0;
    this.tables.length = 0;
    this.rowids.length = 0;
    this.ends.length = 0;
    this.bytes.length = 0;
    this.chars = 0;
  }

  /**
   * Adds one row's cells that hold text or a number: the table's listed columns in
   * their order, then columns the table does not list, by name.
   */
  add(
    prefixes: Map<string, string>,
    tableName: string,
    columns: readonly string[],
    row: Record<string, unknown>,
  ): void {
    const values = isObject(row.values) ? row.values : {};
    let bytes = 0;
    let present = 0;
    for (const column of columns) {
      if (!(column in values)) continue;
      present++;
      bytes += this.addCell(prefixes, column, values[column]);
    }
    // Columns named in rows but missing from the table's column list still get scanned,
    // after the listed ones; looked for only when the row holds more keys than those.
    let keys = 0;
    for (const _ in values) keys++;
    if (keys > present) {
      const listed = new Set(columns);
      for (const column of Object.keys(values)
        .filter((k) => !listed.has(k))
        .sort(byCodePoint)) {
        bytes += this.addCell(prefixes, column, values[column]);
      }
    }
    this.tables.push(tableName);
    this.rowids.push(typeof row.rowid === "number" ? row.rowid : null);
    this.ends.push(this.texts.length);
    this.bytes.push(bytes);
  }

  // Adds one cell when it holds text or a number; returns the UTF-8 bytes of its value.
  private addCell(prefixes: Map<string, string>, column: string, cell: unknown): number {
    const value = cellText(cell);
    if (value === null || value === "") return 0;
    // The column name goes in front of the value as context: a date in `birth_date`
    // is a date of birth, nine digits in `ssn` are an SSN.
    const prefix = columnPrefix(prefixes, column);
    this.texts.push(prefix + value);
    this.froms.push(prefix.length);
    this.columns.push(column);
    this.chars += prefix.length + value.length;
    return Buffer.byteLength(value, "utf8");
  }
}

/** The matches of cell `i` of a batch: scanned here, or as a scanning thread found them. */
type CellMatches = (batch: CellBatch, i: number) => TextMatch[];

/**
 * Counts the rows of `batch` and admits their cells' findings, in order; `beforeRow`
 * runs first for each row (with its table's name).
 */
function settleRows(
  ctx: ScanContext,
  batch: CellBatch,
  dbPath: string,
  counts: TableCounts,
  matchesOf: CellMatches,
  beforeRow?: (table: string) => void,
): void {
  let cell = 0;
  for (let r = 0; r < batch.rows; r++) {
    const table = batch.tables[r]!;
    beforeRow?.(table);
    counts.rows++;
    counts.bytes += batch.bytes[r]!;
    const rowid = batch.rowids[r]!;
    for (const end = batch.ends[r]!; cell < end; cell++) {
      const column = batch.columns[cell]!;
      emitMatches(
        ctx,
        batch.texts[cell]!,
        matchesOf(batch, cell),
        () => ({ kind: "sqlite", path: dbPath, table, column, rowid }),
        batch.froms[cell]!,
      );
    }
  }
}

/** Value findings of one row's cells, scanned here; synchronous: callers hand the event loop back. */
function scanRow(
  ctx: ScanContext,
  tableName: string,
  columns: readonly string[],
  row: Record<string, unknown>,
  dbPath: string,
  counts: TableCounts,
): void {
  const batch = ctx.rowBatch;
  batch.clear();
  batch.add(ctx.prefixes, tableName, columns, row);
  settleRows(ctx, batch, dbPath, counts, ctx.scanHere);
}

/** A `database_content/1.0.0` table: its sample rows held in it. */
async function scanTable(
  ctx: ScanContext,
  table: Table,
  dbPath: string,
  counts: TableCounts,
): Promise<void> {
  await checkpoint(ctx);
  const columns = scanColumns(ctx, table, dbPath, counts);
  const rows = Array.isArray(table.sample_rows) ? table.sample_rows.filter(isObject) : [];
  for (const row of rows) {
    await checkpoint(ctx);
    scanRow(ctx, table.name, columns, row, dbPath, counts);
  }
}

/**
 * Scans the rows of a `database_content/2.0.0` input, with findings in the order of the
 * 1.0.0 scan: each table's field names before its first row (tables without rows in
 * `tables` order, at `finish`), then its rows; `counts.tables` ends as the number of
 * tables scanned. A row is scanned here at once ({@link scan}), or added to a batch
 * whose cells a scanning thread scans ({@link add}), then settled in order
 * ({@link settle}). Each caller runs it from its own loop over the rows rather than
 * through one more async generator per row.
 */
class RowScanner {
  private readonly columnsOf = new Map<string, string[]>();
  private readonly namesOf = new Map<string, string[]>();
  private started = 0;
  private readonly unlisted = new Set<string>();

  constructor(
    private readonly ctx: ScanContext,
    private readonly tables: readonly TableHead[],
    private readonly dbPath: string,
    private readonly counts: TableCounts & { tables: number },
  ) {
    for (const table of tables) {
      if (!this.namesOf.has(table.name)) this.namesOf.set(table.name, columnNamesOf(table));
    }
  }

  /** Scans one row here; `false` when it is not a row (skipped). */
  scan(row: unknown): boolean {
    const batch = this.ctx.rowBatch;
    batch.clear();
    if (!this.add(batch, row)) return false;
    this.settle(batch, this.ctx.scanHere);
    return true;
  }

  /** Adds one row's cells to `batch`, not scanned yet; `false` when it is not a row. */
  add(batch: CellBatch, row: unknown): boolean {
    if (!isObject(row) || typeof row.table !== "string") return false;
    batch.add(this.ctx.prefixes, row.table, this.namesOf.get(row.table) ?? [], row);
    return true;
  }

  /** Counts the rows of `batch` and admits their findings, in order. */
  settle(batch: CellBatch, matchesOf: CellMatches): void {
    settleRows(this.ctx, batch, this.dbPath, this.counts, matchesOf, (name) => {
      if (this.columnsOf.has(name) || this.unlisted.has(name)) return;
      if (this.namesOf.has(name)) this.start(name);
      // A row of a table the head does not list: scanned, without field names.
      else this.unlisted.add(name);
    });
  }

  /** After the last row: the field names of tables without rows; `counts.tables` set. */
  finish(): void {
    this.start(undefined);
    this.counts.tables = this.columnsOf.size + this.unlisted.size;
  }

  // Starts every listed table up to `name` (all of them without one), so field names
  // keep the tables' order.
  private start(name: string | undefined): void {
    while (this.started < this.tables.length) {
      const table = this.tables[this.started]!;
      this.started++;
      this.columnsOf.set(table.name, scanColumns(this.ctx, table, this.dbPath, this.counts));
      if (table.name === name) return;
    }
  }
}

const isTable = (t: unknown): t is Table => isObject(t) && typeof t.name === "string";

function dbPathOf(database: unknown): string {
  return isObject(database) && typeof database.path === "string" ? database.path : "";
}

function databaseCoverage(
  input: { id: string; schema: SchemaRef },
  coverage: unknown,
  tables: number,
  counts: TableCounts,
): InputCoverage {
  const known = isObject(coverage) ? coverage : {};
  const skippedTables = Array.isArray(known.tables_skipped)
    ? known.tables_skipped.filter(isObject).map((t) => ({
        name: String(t.name),
        reason: String(t.reason),
      }))
    : [];
  return {
    id: input.id,
    schema: formatSchemaRef(input.schema),
    tables_scanned: tables,
    columns_scanned: counts.columns,
    rows_scanned: counts.rows,
    bytes_scanned: counts.bytes,
    skipped: { tables: skippedTables.length },
    skipped_tables: skippedTables,
  };
}

async function scanDatabase(
  ctx: ScanContext,
  input: InputMessage,
  content: Record<string, unknown>,
) {
  const dbPath = dbPathOf(content.database);
  const tables = (content.tables as unknown[]).filter(isTable);
  tables.sort((a, b) => byCodePoint(a.name, b.name));
  const counts: TableCounts = { columns: 0, rows: 0, bytes: 0 };
  for (const table of tables) await scanTable(ctx, table, dbPath, counts);
  return databaseCoverage(input, content.coverage, tables.length, counts);
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
function scanContext(rawProperties: unknown, signal: AbortSignal): ScanContext {
  const props = parseProperties(rawProperties);
  const ruleSet = ruleSetOf(props);
  const key = resolveKey(props);
  const cellSettings = { ruleSet, minConfidence: props.min_confidence };
  const ctx: ScanContext = {
    ruleSet,
    props,
    key,
    sink: new FindingSink(props.max_findings, props.max_evidence),
    signal,
    lastYield: performance.now(),
    prefixes: new Map(),
    findingSettings: { ruleSet, evidenceContext: props.evidence_context, key },
    rowBatch: new CellBatch(),
    scanHere: (batch, i) => scanCell(cellSettings, batch.texts[i]!, batch.froms[i]!),
  };
  return ctx;
}

function closing(
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

function unsupported(input: { id: string; schema: SchemaRef }): PersonalDataError {
  return new PersonalDataError(
    PersonalDataErrorCode.UnsupportedInput,
    `Input "${input.id}" (${formatSchemaRef(input.schema)}) has neither files[] nor rows[] nor tables[]: give the personal_data processor a file_content or database_content artifact.`,
  );
}

/**
 * Scans inputs (file_content or database_content content) and returns the
 * `personal_data_finding/1.0.0` content. Exposed for embedding; holds every input and
 * finding in memory (the processor streams instead, see {@link streamPersonalData}).
 */
export async function findPersonalData(
  inputs: ReadonlyArray<InputMessage>,
  rawProperties: unknown,
  signal: AbortSignal = new AbortController().signal,
): Promise<PersonalDataOutput> {
  const ctx = scanContext(rawProperties, signal);
  const coverage: InputCoverage[] = [];
  for (const input of inputs) {
    signal.throwIfAborted();
    const content = isObject(input.content) ? input.content : {};
    if (Array.isArray(content.files)) {
      coverage.push(await scanFiles(ctx, input, content));
    } else if (Array.isArray(content.rows)) {
      const counts = { columns: 0, rows: 0, bytes: 0, tables: 0 };
      const dbPath = dbPathOf(content.database);
      // Findings stay in the sink: this form returns them all at once.
      const scanner = new RowScanner(ctx, tableHeadsOf(content.tables), dbPath, counts);
      let seen = 0;
      for (const row of content.rows as unknown[]) {
        signal.throwIfAborted();
        if (++seen % ROW_STRIDE === 0) await checkpoint(ctx);
        scanner.scan(row);
      }
      scanner.finish();
      coverage.push(databaseCoverage(input, content.coverage, counts.tables, counts));
    } else if (Array.isArray(content.tables)) {
      coverage.push(await scanDatabase(ctx, input, content));
    } else {
      throw unsupported(input);
    }
  }
  return { findings: ctx.sink.findings, ...closing(ctx, coverage) };
}

function tableHeadsOf(tables: unknown): TableHead[] {
  return Array.isArray(tables) ? tables.filter(isTable) : [];
}

type RecordsField = "files" | "tables" | "rows";

/** Which records an input holds: its streamed field, else the array its content has. */
async function recordsFieldOf(input: RecordInput): Promise<RecordsField | undefined> {
  const field = input.recordsField;
  if (field === "files" || field === "tables" || field === "rows") return field;
  if (field !== undefined) return undefined;
  // A plain (not streamed) input: its content's fields tell which kind it is. Plain
  // inputs are small by construction (they were held whole when produced).
  const rest = await input.summary();
  if (Array.isArray(rest.files)) return "files";
  // database_content/2.0.0 lists its tables besides the rows: the rows decide.
  if (Array.isArray(rest.rows)) return "rows";
  return Array.isArray(rest.tables) ? "tables" : undefined;
}

/** Tuning of {@link streamPersonalData}'s scanning threads. */
export interface StreamScanOptions {
  /** Scanning threads for file inputs; default {@link scanWorkerCount} (`WCT_SCAN_WORKERS`). */
  workers?: number;
  /**
   * Scanning threads for a database's rows; default {@link rowScanWorkerCount}
   * (`WCT_SCAN_WORKERS`).
   */
  rowWorkers?: number;
  /**
   * Rows scanned on the main thread before the threads start; default
   * {@link scanWorkersAfterRows} (4,096, `WCT_SCAN_WORKERS_AFTER_ROWS`). Past it, rows
   * go on being scanned here until a thread is ready (about 100 ms); with `0`, the scan
   * waits for the threads and every row is scanned on them.
   */
  workersAfterRows?: number;
  /**
   * Bytes scanned on the main thread before the workers start; default
   * {@link scanWorkersAfterBytes} (16 MiB, `WCT_SCAN_WORKERS_AFTER_MB`).
   */
  workersAfterBytes?: number;
  /**
   * The scanning threads' script: a JavaScript module built from this package's
   * `scan-worker` (its tests hand a bundle of it, which starts in half the CPU of the
   * sources run through tsx). Default: the package's own.
   */
  workerScript?: URL;
}

// Text of the files sent to the workers and not yet answered, at most (one larger file
// still goes alone).
const WINDOW_BYTES = 8 * 1024 * 1024;
// Rows sent to a scanning thread at once, and batches in flight per thread: enough to
// keep it busy through the main thread's pauses, few enough that a batch's strings die
// young. With 512 rows to a batch they outlived the young generation, and a million
// rows' run peaked 30–50 MB higher. Rows with large cells go in smaller batches: a
// batch is sent once its cells hold BATCH_CHARS characters, and the cells in flight
// stay within WINDOW_BYTES (counted at two bytes a character), as files do.
const BATCH_ROWS = 128;
const BATCH_CHARS = 1024 * 1024;
const BATCHES_PER_WORKER = 4;

/**
 * The scan of {@link findPersonalData}, streamed: inputs are read one file (or table) at
 * a time and findings are yielded as they are found, so memory holds one file plus
 * what the findings limits allow; summary and coverage close the stream. Files are
 * scanned in the order the input holds them (the filesystem connector's is
 * deterministic), not re-sorted by path. Past `workersAfterBytes` of files, files are
 * scanned on worker threads (a few files in flight, findings admitted in input order,
 * so the output is the same as on one thread).
 */
export function streamPersonalData(
  inputs: ReadonlyArray<RecordInput>,
  rawProperties: unknown,
  signal: AbortSignal = new AbortController().signal,
  progress?: (report: ProgressReport) => void,
  options: StreamScanOptions = {},
): StreamedContent<Finding> {
  const ctx = scanContext(rawProperties, signal);
  const coverage: InputCoverage[] = [];
  const workers = options.workers ?? scanWorkerCount();
  const workersAfter = options.workersAfterBytes ?? scanWorkersAfterBytes();
  const rowWorkers = options.rowWorkers ?? rowScanWorkerCount();
  const workersAfterRows = options.workersAfterRows ?? scanWorkersAfterRows();
  let pool: ScanPool | undefined;
  let items = 0;
  let bytesDone = 0;
  async function* findings(): AsyncGenerator<Finding[], void, undefined> {
    try {
      for (const input of inputs) {
        signal.throwIfAborted();
        const field = await recordsFieldOf(input);
        if (field === "files") {
          let files = 0;
          let bytes = 0;
          // Files sent to the workers, answered in this order whatever order they finish.
          const window: { drafts: Promise<FindingDraft[]>; size: number }[] = [];
          let windowBytes = 0;
          const scanned = (size: number) => {
            files++;
            bytes += size;
            bytesDone += size;
            items++;
          };
          const settleOldest = async () => {
            const oldest = window.shift()!;
            windowBytes -= oldest.size;
            admitDrafts(ctx.sink, await oldest.drafts);
            scanned(oldest.size);
            signal.throwIfAborted();
          };
          for await (const file of input.records("files")) {
            if (!isFile(file)) continue;
            // Small scans stay on this thread: starting workers costs more than they save.
            if (pool === undefined && workers > 0 && bytesDone >= workersAfter) {
              pool = new ScanPool(workers, ctx.props, ctx.key, options.workerScript);
            }
            if (pool === undefined) {
              scanned(await scanFile(ctx, file));
            } else {
              signal.throwIfAborted();
              const drafts = pool.scan(file);
              drafts.catch(() => {});
              const size = Buffer.byteLength(file.text, "utf8");
              window.push({ drafts, size });
              windowBytes += size;
              // A few files per worker keep them busy; the byte bound keeps memory flat.
              const full = () => window.length >= 4 * workers || windowBytes >= WINDOW_BYTES;
              if (!full()) continue;
              // Settled until back under both bounds: one file out per file in would keep
              // the window as large as it once grew.
              while (full()) await settleOldest();
            }
            if (ctx.sink.findings.length > 0) yield drain(ctx);
            progress?.({ items, bytes: bytesDone, unit: "files" });
          }
          while (window.length > 0) {
            await settleOldest();
            if (ctx.sink.findings.length > 0) yield drain(ctx);
            progress?.({ items, bytes: bytesDone, unit: "files" });
          }
          coverage.push(fileCoverage(input, (await input.summary()).coverage, files, bytes));
        } else if (field === "rows") {
          const counts = { columns: 0, rows: 0, bytes: 0, tables: 0 };
          // Streamed, the head lists the tables; plain (small by construction), the content.
          const fields = input.recordsField === undefined ? await input.summary() : input.head;
          const dbPath = dbPathOf(fields.database);
          const tables = tableHeadsOf(fields.tables);
          const before = bytesDone;
          const scanner = new RowScanner(ctx, tables, dbPath, counts);
          // Rows go to the scanning threads in batches once one is ready (until then, and
          // in a small table, they are scanned here); batches are settled in order.
          const window: { batch: CellBatch; matches: Promise<PackedCellMatches> }[] = [];
          let windowChars = 0;
          let batch: CellBatch | undefined;
          const settleOldest = async () => {
            const oldest = window.shift()!;
            windowChars -= oldest.batch.chars;
            const packed = await oldest.matches;
            scanner.settle(oldest.batch, (_, i) => cellMatches(packed, i));
            bytesDone = before + counts.bytes;
            signal.throwIfAborted();
          };
          const send = async (full: CellBatch) => {
            const matches = pool!.scanCells(full.texts, full.froms);
            matches.catch(() => {});
            window.push({ batch: full, matches });
            windowChars += full.chars;
            while (
              window.length > BATCHES_PER_WORKER * rowWorkers ||
              (window.length > 1 && 2 * windowChars > WINDOW_BYTES)
            ) {
              await settleOldest();
            }
          };
          // A row takes microseconds: the clock and the progress every ROW_STRIDE rows.
          let seen = 0;
          for await (const row of input.records("rows")) {
            signal.throwIfAborted();
            if (++seen % ROW_STRIDE === 0) {
              await checkpoint(ctx);
              progress?.({ items, bytes: bytesDone, unit: "rows" });
            }
            if (pool === undefined && rowWorkers > 0 && seen > workersAfterRows) {
              pool = new ScanPool(rowWorkers, ctx.props, ctx.key, options.workerScript);
              if (workersAfterRows === 0) await pool.started;
            }
            if (batch === undefined && (rowWorkers === 0 || pool?.ready !== true)) {
              if (!scanner.scan(row)) continue;
              bytesDone = before + counts.bytes;
            } else {
              batch ??= new CellBatch();
              if (!scanner.add(batch, row)) continue;
              if (batch.rows >= BATCH_ROWS || batch.chars >= BATCH_CHARS) {
                await send(batch);
                batch = new CellBatch();
              }
            }
            items++;
            if (ctx.sink.findings.length > 0) yield drain(ctx);
          }
          if (batch !== undefined && batch.rows > 0) await send(batch);
          while (window.length > 0) {
            await settleOldest();
            if (ctx.sink.findings.length > 0) yield drain(ctx);
          }
          scanner.finish();
          if (ctx.sink.findings.length > 0) yield drain(ctx);
          progress?.({ items, bytes: bytesDone, unit: "rows" });
          const closing = await input.summary();
          coverage.push(databaseCoverage(input, closing.coverage, counts.tables, counts));
        } else if (field === "tables") {
          const counts: TableCounts = { columns: 0, rows: 0, bytes: 0 };
          const dbPath = dbPathOf(input.head.database ?? (await input.summary()).database);
          let tables = 0;
          for await (const table of input.records("tables")) {
            if (!isTable(table)) continue;
            await scanTable(ctx, table, dbPath, counts);
            tables++;
            items++;
            if (ctx.sink.findings.length > 0) yield drain(ctx);
            progress?.({ items, bytes: counts.bytes, unit: "tables" });
          }
          coverage.push(databaseCoverage(input, (await input.summary()).coverage, tables, counts));
        } else {
          throw unsupported(input);
        }
      }
    } finally {
      await pool?.close();
    }
  }
  return streamContent({
    recordsField: "findings",
    records: oneByOne(findings()),
    summary: () => closing(ctx, coverage),
  });
}

// The findings admitted so far, taken from the sink.
function drain(ctx: ScanContext): Finding[] {
  const found = ctx.sink.findings;
  ctx.sink.findings = [];
  return found;
}

/**
 * The findings of `batches` one by one. The scan yields what it admitted in batches (a
 * row's, a file's, a batch of rows'): an async generator yielding each finding cost
 * several promises per finding (a database's rows give millions), where a batch already
 * in hand is handed over here one settled promise at a time. `return()` reaches the
 * scan, which then stops its threads.
 */
function oneByOne<T>(batches: AsyncGenerator<T[], void, undefined>): AsyncIterableIterator<T> {
  let batch: T[] = [];
  let at = 0;
  const done = (): IteratorResult<T> => ({ done: true, value: undefined });
  const iterator: AsyncIterableIterator<T> = {
    next: (): Promise<IteratorResult<T>> => {
      if (at < batch.length) return Promise.resolve({ done: false, value: batch[at++]! });
      return batches.next().then((next) => {
        if (next.done) return done();
        batch = next.value;
        at = 0;
        return iterator.next();
      });
    },
    return: async (): Promise<IteratorResult<T>> => {
      batch = [];
      await batches.return(undefined);
      return done();
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}

/** The `personal_data` processor. */
export const personalDataProcessor = defineProcessor({
  type: "personal_data",
  description:
    "Finds personal data (e-mails, phone numbers, IPs, cards, IBANs, national ids, dates of birth, personal-data field names) in files and SQLite rows, with masked evidence and keyed fingerprints.",
  inputSchemas: [[FILE_CONTENT_SCHEMA], [DATABASE_CONTENT_SCHEMA], [DATABASE_CONTENT_V1_SCHEMA]],
  outputSchema: PERSONAL_DATA_FINDING_SCHEMA,
  properties: personalDataPropertiesSchema,
  readsInputsAsRecords: true,
  async process({ inputs, properties, signal, log, progress }) {
    const streamed = streamPersonalData(inputs, properties, signal, progress);
    return streamContent({
      recordsField: streamed.recordsField,
      records: streamed.records,
      summary: async () => {
        const closed = await streamed.summary();
        const summary = closed.summary as PersonalDataOutput["summary"];
        const coverage = closed.coverage as PersonalDataOutput["coverage"];
        log.info("personal data scan finished", {
          inputs: inputs.length,
          findings: summary.total,
          findings_truncated: coverage.findings_truncated,
          fingerprint: closed.fingerprint,
        });
        return closed;
      },
    });
  },
});
