import type { InputMessage } from "@wct/plugin-api";
import { scanText } from "../src/index.js";

/** `[type, matched text]` of every finding in `text` (built-in rules, default threshold). */
export function found(text: string, minConfidence = 0.5): Array<[string, string]> {
  return scanText(text, { minConfidence }).map((m) => [m.type, text.slice(m.start, m.end)]);
}

/** Matched texts of one type. */
export function valuesOf(type: string, text: string): string[] {
  return found(text)
    .filter(([t]) => t === type)
    .map(([, v]) => v);
}

export function fileInput(
  files: Array<{ path: string; text: string }>,
  id = "files",
): InputMessage {
  return {
    id,
    schema: { name: "file_content", version: "1.0.0" },
    source: "connector:filesystem",
    content: {
      root: "/repo",
      files: files.map((f) => ({ ...f, size: f.text.length, encoding: "utf-8" })),
      coverage: {
        files_read: files.length,
        bytes_read: files.reduce((a, f) => a + f.text.length, 0),
        skipped: { binary: 1, too_large: 2, unreadable: 0, excluded_links: 0, over_max_files: 0 },
        skipped_files: [{ path: "logo.png", reason: "binary" }],
      },
    },
  };
}

export function databaseInput(
  tables: Array<{
    name: string;
    columns: string[];
    rows: Array<{ rowid: number | null; values: Record<string, string | number | null> }>;
  }>,
  id = "db",
): InputMessage {
  return {
    id,
    schema: { name: "database_content", version: "1.0.0" },
    source: "connector:sqlite",
    content: {
      database: { kind: "sqlite", path: "data/app.db" },
      tables: tables.map((t) => ({
        name: t.name,
        row_count: t.rows.length,
        columns: t.columns.map((name, i) => ({
          name,
          type: "TEXT",
          nullable: true,
          primary_key: i === 0,
        })),
        sample_rows: t.rows,
      })),
      coverage: {
        tables_read: tables.length,
        tables_skipped: [{ name: "sqlite_sequence", reason: "internal" }],
        rows_sampled: tables.reduce((a, t) => a + t.rows.length, 0),
      },
    },
  };
}

/**
 * The same tables as {@link databaseInput}, in the `database_content/2.0.0` shape the
 * sqlite connector streams: tables listed first, then one record per row.
 */
export function databaseRowsInput(
  tables: Parameters<typeof databaseInput>[0],
  id = "db",
): InputMessage {
  const v1 = databaseInput(tables, id).content as {
    database: unknown;
    tables: Array<{ name: string; sample_rows: unknown[] }>;
    coverage: unknown;
  };
  return {
    id,
    schema: { name: "database_content", version: "2.0.0" },
    source: "connector:sqlite",
    content: {
      database: v1.database,
      tables: v1.tables.map(({ sample_rows: _, ...table }) => table),
      rows: v1.tables.flatMap((table) =>
        (table.sample_rows as Array<Record<string, unknown>>).map((row) => ({
          table: table.name,
          ...row,
        })),
      ),
      coverage: v1.coverage,
    },
  };
}
