import { z } from "zod";

/** Properties of the `sqlite` connector (`source.properties`). */
export const sqliteProperties = z.strictObject({
  /** Database file; a relative path resolves against the runbook's folder. */
  database_path: z.string().min(1, "database_path must name a SQLite file"),
  /** Rows sampled per table; 0 reads the schema and row counts only. */
  max_rows_per_table: z.number().int().nonnegative().default(100),
  /** Table names or globs to read; all tables when absent. */
  include_tables: z.array(z.string().min(1)).min(1).optional(),
  /** Table names or globs to leave out. */
  exclude_tables: z.array(z.string().min(1)).default([]),
});

/** Validated properties of the `sqlite` connector, defaults applied. */
export type SqliteProperties = z.output<typeof sqliteProperties>;
