import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import { setImmediate as nextTurn } from "node:timers/promises";
import { defineConnector, SourceError, SourceErrorCode, streamContent } from "@wct/plugin-api";
import {
  countRows,
  listTables,
  openReadOnly,
  type ReadOnlyDatabase,
  readColumns,
  rowCursor,
} from "./database.js";
import { sqliteProperties } from "./properties.js";
import { tableFilter } from "./table-filter.js";
import type { DatabaseContent, RowRecord, TableContent } from "./types.js";

// Reading rows is synchronous; handing the event loop back this often lets a timeout
// or Ctrl-C abort the signal while a large table is read.
const YIELD_EVERY_MS = 25;
const PROGRESS_EVERY_ROWS = 1000;

/** Output schema of the connector: rows streamed table by table (see the README). */
export const DATABASE_CONTENT_SCHEMA = { name: "database_content", version: "2.0.0" } as const;

interface PlannedTable {
  info: TableContent;
  rows: () => IterableIterator<RowRecord>;
}

/**
 * Reads a SQLite file into `database_content/2.0.0`: the tables with their columns and
 * row counts first (the head), then one record per row, table by table, read through a
 * cursor as the engine pulls them, so memory stays flat whatever the table sizes.
 */
export const sqliteConnector = defineConnector({
  type: "sqlite",
  description:
    "Reads tables, columns, row counts and rows (up to max_rows_per_table per table) of a SQLite database (opened read-only) into database_content/2.0.0, one record per row.",
  outputSchema: DATABASE_CONTENT_SCHEMA,
  properties: sqliteProperties,
  async extract({ properties, baseDir, signal, log, progress }) {
    if (signal.aborted) throw signal.reason;
    const path = resolve(baseDir, properties.database_path);
    await checkFile(path, properties.database_path);
    const db = open(path, properties.database_path);
    const coverage: DatabaseContent["coverage"] = {
      tables_read: 0,
      tables_skipped: [],
      rows_sampled: 0,
    };
    let planned: PlannedTable[];
    try {
      planned = await planTables(db, properties, coverage, path, properties.database_path, signal);
    } catch (error) {
      db.close();
      throw error;
    }
    const rowsTotal = planned.reduce(
      (total, table) => total + Math.min(table.info.row_count, properties.max_rows_per_table),
      0,
    );
    // Rows are read when they are pulled; the database closes when the engine has
    // stored the last one or stopped early.
    async function* read(): AsyncGenerator<RowRecord, void, undefined> {
      try {
        let lastYield = performance.now();
        let done = 0;
        for (const table of planned) {
          if (signal.aborted) throw signal.reason;
          const name = table.info.name;
          try {
            for (const row of table.rows()) {
              if (performance.now() - lastYield >= YIELD_EVERY_MS) {
                await nextTurn();
                lastYield = performance.now();
              }
              if (signal.aborted) throw signal.reason;
              done++;
              coverage.rows_sampled++;
              yield row;
              if (done % PROGRESS_EVERY_ROWS === 0) {
                progress?.({ items: done, itemsTotal: rowsTotal, unit: "rows" });
              }
            }
          } catch (error) {
            if (signal.aborted) throw signal.reason;
            // SQLite's own failure midway (a damaged page): the rows read stay, the table
            // is reported, the scan goes on.
            if (!isSqliteError(error)) throw error;
            coverage.tables_skipped.push({ name, reason: "unreadable" });
            continue;
          }
          coverage.tables_read++;
        }
        progress?.({ items: done, itemsTotal: rowsTotal, unit: "rows" });
      } finally {
        db.close();
      }
    }
    return streamContent({
      recordsField: "rows",
      head: {
        database: { kind: "sqlite", path: properties.database_path },
        tables: planned.map((table) => table.info),
      },
      records: read(),
      summary: () => {
        log.info(
          `read ${coverage.tables_read} tables (${coverage.rows_sampled} rows) from ${path}; skipped ${coverage.tables_skipped.length} tables`,
          {
            database: path,
            tables_read: coverage.tables_read,
            rows_sampled: coverage.rows_sampled,
            tables_skipped: coverage.tables_skipped,
          },
        );
        return { coverage };
      },
    });
  },
});

/**
 * The tables to read with their columns and row counts, and a prepared cursor over
 * their rows; tables left out or unreadable go to `coverage.tables_skipped`. Counting a
 * large table's rows takes a while: the event loop gets a turn between tables, and a
 * timeout or Ctrl-C stops the planning there.
 */
async function planTables(
  db: ReadOnlyDatabase,
  properties: { max_rows_per_table: number; include_tables?: string[]; exclude_tables: string[] },
  coverage: DatabaseContent["coverage"],
  path: string,
  given: string,
  signal: AbortSignal,
): Promise<PlannedTable[]> {
  let tables: ReturnType<typeof listTables>;
  try {
    tables = listTables(db);
  } catch (error) {
    throw unreadable(path, given, error);
  }
  const isSelected = tableFilter(properties.include_tables, properties.exclude_tables);
  const planned: PlannedTable[] = [];
  let lastYield = performance.now();
  for (const table of tables) {
    if (performance.now() - lastYield >= YIELD_EVERY_MS) {
      await nextTurn();
      lastYield = performance.now();
    }
    if (signal.aborted) throw signal.reason;
    if (!isSelected(table.name)) {
      coverage.tables_skipped.push({ name: table.name, reason: "excluded" });
      continue;
    }
    try {
      const columns = readColumns(db, table);
      const row_count = countRows(db, table);
      const rows = rowCursor(db, table, columns, properties.max_rows_per_table);
      planned.push({ info: { name: table.name, row_count, columns }, rows });
    } catch {
      coverage.tables_skipped.push({ name: table.name, reason: "unreadable" });
    }
  }
  return planned;
}

function isSqliteError(error: unknown): boolean {
  return error instanceof Error && error.name === "SqliteError";
}

async function checkFile(path: string, given: string): Promise<void> {
  try {
    const found = await stat(path);
    if (!found.isFile()) {
      throw new SourceError(
        SourceErrorCode.Unreadable,
        `${path} (database_path "${given}") is not a file. Point database_path at a SQLite database file.`,
      );
    }
  } catch (error) {
    if (error instanceof SourceError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") {
      throw new SourceError(
        SourceErrorCode.NotFound,
        `The SQLite database does not exist: ${path} (database_path "${given}", resolved against the runbook's folder). Fix database_path in the runbook.`,
        { cause: error },
      );
    }
    throw unreadable(path, given, error);
  }
}

function open(path: string, given: string): ReadOnlyDatabase {
  try {
    return openReadOnly(path);
  } catch (error) {
    throw unreadable(path, given, error);
  }
}

function unreadable(path: string, given: string, error: unknown): SourceError {
  const reason = error instanceof Error ? error.message : String(error);
  return new SourceError(
    SourceErrorCode.Unreadable,
    `Cannot read ${path} (database_path "${given}") as a SQLite database: ${reason}. Check that it is a SQLite 3 file you may read.`,
    { cause: error },
  );
}
