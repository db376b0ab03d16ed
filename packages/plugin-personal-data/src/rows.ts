// A database's rows and tables as the personal_data processor scans them: each cell is
// its column's name (as context) followed by its value. Rows are gathered in a
// `CellBatch`, scanned here or by a scanning thread, and settled in order by a
// `RowScanner`, so findings come out the same either way.
import { formatSchemaRef, type InputMessage, type SchemaRef } from "@wct/plugin-api";
import { scanCell } from "./cell-matches.js";
import type { TextMatch } from "./engine.js";
import { identifierWords } from "./field-names.js";
import {
  byCodePoint,
  checkpoint,
  emitMatches,
  isObject,
  type ScanContext,
} from "./scan-context.js";
import type { InputCoverage } from "./types.js";

const BLOB_MARKER = /^<blob \d+ bytes>$/;

interface Column {
  name: string;
}

/** A table as a database input lists it: its name and columns. */
export interface TableHead {
  name: string;
  columns: Column[];
}

interface Table extends TableHead {
  sample_rows: Array<{ rowid: number | null; values: Record<string, unknown> }>;
}

function cellText(value: unknown): string | null {
  if (typeof value === "string") return BLOB_MARKER.test(value) ? null : value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return null;
}

export interface TableCounts {
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
export class CellBatch {
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
export type CellMatches = (batch: CellBatch, i: number) => TextMatch[];

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

/** The scan of a cell on this thread. */
function scanHere(ctx: ScanContext): CellMatches {
  const settings = { ruleSet: ctx.ruleSet, minConfidence: ctx.props.min_confidence };
  return (batch, i) => scanCell(settings, batch.texts[i]!, batch.froms[i]!);
}

/** A `database_content/1.0.0` table: its sample rows held in it. */
export async function scanTable(
  ctx: ScanContext,
  table: Table,
  dbPath: string,
  counts: TableCounts,
): Promise<void> {
  await checkpoint(ctx);
  const columns = scanColumns(ctx, table, dbPath, counts);
  const rows = Array.isArray(table.sample_rows) ? table.sample_rows.filter(isObject) : [];
  // One row at a time, in a batch of one, reused.
  const batch = new CellBatch();
  const matchesOf = scanHere(ctx);
  for (const row of rows) {
    await checkpoint(ctx);
    batch.clear();
    batch.add(ctx.prefixes, table.name, columns, row);
    settleRows(ctx, batch, dbPath, counts, matchesOf);
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
export class RowScanner {
  private readonly columnsOf = new Map<string, string[]>();
  private readonly namesOf = new Map<string, string[]>();
  private started = 0;
  private readonly unlisted = new Set<string>();
  // A row scanned here: a batch of one, reused, and the scan of its cells.
  private readonly one = new CellBatch();
  private readonly here: CellMatches;

  constructor(
    private readonly ctx: ScanContext,
    private readonly tables: readonly TableHead[],
    private readonly dbPath: string,
    private readonly counts: TableCounts & { tables: number },
  ) {
    for (const table of tables) {
      if (!this.namesOf.has(table.name)) this.namesOf.set(table.name, columnNamesOf(table));
    }
    this.here = scanHere(ctx);
  }

  /** Scans one row here; `false` when it is not a row (skipped). */
  scan(row: unknown): boolean {
    this.one.clear();
    if (!this.add(this.one, row)) return false;
    this.settle(this.one, this.here);
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

/** Whether `t` is a table record (it has a name). */
export const isTable = (t: unknown): t is Table => isObject(t) && typeof t.name === "string";

/** The database file's path as its connector gave it, or "". */
export function dbPathOf(database: unknown): string {
  return isObject(database) && typeof database.path === "string" ? database.path : "";
}

/** The coverage entry of one database input. */
export function databaseCoverage(
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

/** A `database_content/1.0.0` input held whole: its tables by name, each with its sample rows. */
export async function scanDatabase(
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

/** The tables a database input lists (their names and columns). */
export function tableHeadsOf(tables: unknown): TableHead[] {
  return Array.isArray(tables) ? tables.filter(isTable) : [];
}
