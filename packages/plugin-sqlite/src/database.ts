import { createRequire } from "node:module";
import type Database from "better-sqlite3";
import type { CellValue, ColumnInfo, RowRecord } from "./types.js";

/** A connection to the database being scanned. */
export type ReadOnlyDatabase = Database.Database;

// The native driver is loaded on the first open, not with the plugin: every `wct run`
// loads the built-in plugins, and most runbooks read no database.
const require = createRequire(import.meta.url);
let driver: typeof Database | undefined;
function sqliteDriver(): typeof Database {
  driver ??= require("better-sqlite3") as typeof Database;
  return driver;
}

/**
 * Opens `path` for reading only. Besides the read-only open, `query_only` refuses any
 * write on this connection and `trusted_schema = OFF` keeps functions named in the
 * schema (views, triggers, defaults) of an untrusted file from running.
 */
export function openReadOnly(path: string): ReadOnlyDatabase {
  const db = new (sqliteDriver())(path, { readonly: true, fileMustExist: true });
  try {
    db.pragma("query_only = ON");
    db.pragma("trusted_schema = OFF");
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

/** A user table: its name and whether it has a rowid. */
export interface TableRef {
  name: string;
  withoutRowid: boolean;
}

/** User tables (not views, not `sqlite_` internal tables), sorted by name. */
export function listTables(db: ReadOnlyDatabase): TableRef[] {
  const names = db
    .prepare<[], { name: string }>(
      "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
    )
    .all()
    .map((row) => row.name);
  const withoutRowid = new Set(
    db
      .prepare<[], { name: string }>(
        "SELECT name FROM pragma_table_list WHERE schema = 'main' AND wr = 1",
      )
      .all()
      .map((row) => row.name),
  );
  return names.map((name) => ({ name, withoutRowid: withoutRowid.has(name) }));
}

interface TableInfoRow {
  name: string;
  type: string;
  notnull: number;
  pk: number;
}

/** Columns of `table` in declaration order. */
export function readColumns(db: ReadOnlyDatabase, table: TableRef): ColumnInfo[] {
  const rows = db
    .prepare<[string], TableInfoRow>(
      'SELECT name, type, "notnull", pk FROM pragma_table_info(?) ORDER BY cid',
    )
    .all(table.name);
  const primaryKey = rows.filter((row) => row.pk > 0);
  // An INTEGER PRIMARY KEY is the rowid itself and a WITHOUT ROWID key is NOT NULL,
  // whatever the declaration says; other primary keys of rowid tables accept NULL.
  const keyNeverNull =
    table.withoutRowid ||
    (primaryKey.length === 1 && primaryKey[0]?.type.toUpperCase() === "INTEGER");
  return rows.map((row) => ({
    name: row.name,
    type: row.type,
    nullable: row.notnull === 0 && !(row.pk > 0 && keyNeverNull),
    primary_key: row.pk > 0,
  }));
}

/** `COUNT(*)` of `table`. */
export function countRows(db: ReadOnlyDatabase, table: TableRef): number {
  const count = db
    .prepare(`SELECT COUNT(*) FROM ${quoteIdentifier(table.name)}`)
    .pluck()
    .safeIntegers(true)
    .get() as bigint;
  return Number(count);
}

/**
 * Up to `limit` rows of `table` in storage order, as row records (with their rowid,
 * `null` without one), each call of the returned function reading them afresh one at a time through a
 * cursor: memory holds one row whatever the table's size. The statement is prepared at once, so a table SQLite cannot read (a virtual
 * table whose module is missing) throws here, before any row; from the first row on,
 * the connection is busy until the iterator finishes or is returned.
 */
export function rowCursor(
  db: ReadOnlyDatabase,
  table: TableRef,
  columns: ReadonlyArray<ColumnInfo>,
  limit: number,
): () => IterableIterator<RowRecord> {
  if (limit === 0 || columns.length === 0) return () => [][Symbol.iterator]();
  const rowid = table.withoutRowid ? undefined : rowidName(columns);
  const selected = [rowid ?? "NULL", ...columns.map((column) => quoteIdentifier(column.name))];
  const statement = db
    .prepare(`SELECT ${selected.join(", ")} FROM ${quoteIdentifier(table.name)} LIMIT ?`)
    .raw(true)
    .safeIntegers(true);
  const names = columns.map((column) => column.name);
  const name = table.name;
  function* rows(): Generator<RowRecord, void, undefined> {
    // for...of returns the cursor when the caller stops early, which frees the connection.
    for (const [id, ...cells] of statement.iterate(limit) as IterableIterator<unknown[]>) {
      const values: Record<string, CellValue> = {};
      for (let i = 0; i < names.length; i++) values[names[i]!] = toCellValue(cells[i]);
      yield { table: name, rowid: id === null || id === undefined ? null : Number(id), values };
    }
  }
  return rows;
}

/**
 * A name that reaches the rowid: a column may be called `rowid` (then that name
 * means the column), so the first alias no column claims is used.
 */
function rowidName(columns: ReadonlyArray<ColumnInfo>): string | undefined {
  const taken = new Set(columns.map((column) => column.name.toLowerCase()));
  return ["rowid", "_rowid_", "oid"].find((alias) => !taken.has(alias));
}

/** Quotes an SQL identifier: any name, even one holding `"` or `;`, stays one identifier. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** JSON form of a cell: BLOBs as a size marker, integers as numbers while exact. */
export function toCellValue(value: unknown): CellValue {
  if (value === null || value === undefined) return null;
  if (typeof value === "string") return value;
  if (typeof value === "bigint") {
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(value)
      : value.toString();
  }
  if (typeof value === "number") return Number.isFinite(value) ? value : String(value);
  if (value instanceof Uint8Array) return `<blob ${value.byteLength} bytes>`;
  return String(value);
}
