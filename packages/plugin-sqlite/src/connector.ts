import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import { defineConnector, SourceError, SourceErrorCode, streamContent } from "@wct/plugin-api";
import {
  countRows,
  listTables,
  openReadOnly,
  type ReadOnlyDatabase,
  readColumns,
  sampleRows,
} from "./database.js";
import { sqliteProperties } from "./properties.js";
import { tableFilter } from "./table-filter.js";
import type { DatabaseContent } from "./types.js";

/**
 * Reads the tables, columns and sample rows of a SQLite file into
 * `database_content/1.0.0`, streamed one table (with its sample rows) per record.
 */
export const sqliteConnector = defineConnector({
  type: "sqlite",
  description:
    "Reads tables, columns, row counts and sample rows of a SQLite database (opened read-only) into database_content/1.0.0.",
  outputSchema: { name: "database_content", version: "1.0.0" },
  properties: sqliteProperties,
  async extract({ properties, baseDir, signal, log, progress }) {
    if (signal.aborted) throw signal.reason;
    const path = resolve(baseDir, properties.database_path);
    await checkFile(path, properties.database_path);
    const db = open(path, properties.database_path);
    let tables: ReturnType<typeof listTables>;
    try {
      tables = listTables(db);
    } catch (error) {
      db.close();
      throw unreadable(path, properties.database_path, error);
    }
    const coverage: DatabaseContent["coverage"] = {
      tables_read: 0,
      tables_skipped: [],
      rows_sampled: 0,
    };
    const isSelected = tableFilter(properties.include_tables, properties.exclude_tables);
    // One table (with its sample rows) per record, read when it is pulled; the database
    // closes when the engine has stored the last one or stopped early.
    async function* read(): AsyncGenerator<DatabaseContent["tables"][number], void, undefined> {
      try {
        let done = 0;
        for (const table of tables) {
          await new Promise((next) => setImmediate(next));
          if (signal.aborted) throw signal.reason;
          done++;
          if (!isSelected(table.name)) {
            coverage.tables_skipped.push({ name: table.name, reason: "excluded" });
            continue;
          }
          let record: DatabaseContent["tables"][number];
          try {
            const columns = readColumns(db, table);
            const row_count = countRows(db, table);
            const sample_rows = sampleRows(db, table, columns, properties.max_rows_per_table);
            record = { name: table.name, row_count, columns, sample_rows };
          } catch {
            coverage.tables_skipped.push({ name: table.name, reason: "unreadable" });
            continue;
          }
          coverage.tables_read++;
          coverage.rows_sampled += record.sample_rows.length;
          yield record;
          progress?.({ items: done, itemsTotal: tables.length, unit: "tables" });
        }
      } finally {
        db.close();
      }
    }
    return streamContent({
      recordsField: "tables",
      head: { database: { kind: "sqlite", path: properties.database_path } },
      records: read(),
      summary: () => {
        log.info(
          `read ${coverage.tables_read} tables (${coverage.rows_sampled} rows sampled) from ${path}; skipped ${coverage.tables_skipped.length} tables`,
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
