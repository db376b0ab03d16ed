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
/** Rows read between two looks at the clock. */
const CLOCK_EVERY_ROWS = 64;
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
    const records = rowRecords(db, planned, coverage, signal, (items) =>
      progress?.({ items, itemsTotal: rowsTotal, unit: "rows" }),
    );
    return streamContent({
      recordsField: "rows",
      head: {
        database: { kind: "sqlite", path: properties.database_path },
        tables: planned.map((table) => table.info),
      },
      records,
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

/**
 * The rows of the planned tables, in order, as the engine pulls them. Written by hand
 * rather than as an async generator: a row already read is handed over in one settled
 * promise, where a generator costs several per row (a million rows pass here). A table
 * SQLite fails to read midway is reported as skipped (its rows read so far stay) and
 * the next one is read; the database closes once the rows end, fail or are returned.
 */
function rowRecords(
  db: ReadOnlyDatabase,
  planned: ReadonlyArray<PlannedTable>,
  coverage: DatabaseContent["coverage"],
  signal: AbortSignal,
  progress: (rows: number) => void,
): AsyncIterableIterator<RowRecord> {
  let table = 0;
  let cursor: IterableIterator<RowRecord> | undefined;
  let closed = false;
  let lastTurn = performance.now();
  const close = () => {
    if (closed) return;
    closed = true;
    try {
      cursor?.return?.();
    } finally {
      cursor = undefined;
      db.close();
    }
  };
  const end = (): IteratorResult<RowRecord> => ({ done: true, value: undefined });
  // The next row, synchronously; throws what reading throws.
  const step = (): IteratorResult<RowRecord> => {
    for (;;) {
      if (closed) return end();
      if (cursor === undefined) {
        if (table === planned.length) {
          progress(coverage.rows_sampled);
          close();
          return end();
        }
        if (signal.aborted) throw signal.reason;
        cursor = planned[table]!.rows();
      }
      let next: IteratorResult<RowRecord>;
      try {
        next = cursor.next();
      } catch (error) {
        if (signal.aborted) throw signal.reason;
        // SQLite's own failure midway (a damaged page): the rows read stay, the table
        // is reported, the scan goes on.
        if (!isSqliteError(error)) throw error;
        coverage.tables_skipped.push({ name: planned[table]!.info.name, reason: "unreadable" });
        cursor = undefined;
        table++;
        continue;
      }
      if (next.done) {
        coverage.tables_read++;
        cursor = undefined;
        table++;
        continue;
      }
      if (signal.aborted) throw signal.reason;
      const rows = ++coverage.rows_sampled;
      if (rows % PROGRESS_EVERY_ROWS === 0) progress(rows);
      return next;
    }
  };
  const iterator: AsyncIterableIterator<RowRecord> = {
    next: () => {
      // Reading is synchronous: the event loop gets a turn every YIELD_EVERY_MS (the
      // clock read every CLOCK_EVERY_ROWS rows), so a timeout or Ctrl-C can abort the signal.
      if (
        coverage.rows_sampled % CLOCK_EVERY_ROWS === 0 &&
        !closed &&
        performance.now() - lastTurn >= YIELD_EVERY_MS
      ) {
        return nextTurn().then(() => {
          lastTurn = performance.now();
          return iterator.next();
        });
      }
      try {
        return Promise.resolve(step());
      } catch (error) {
        close();
        return Promise.reject(error);
      }
    },
    return: () => {
      close();
      return Promise.resolve(end());
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
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
