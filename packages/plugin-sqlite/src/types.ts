/** A cell as stored in the artifact: BLOBs become `"<blob N bytes>"`. */
export type CellValue = string | number | null;

/** One column of a table, from `PRAGMA table_info`. */
export interface ColumnInfo {
  name: string;
  /** Declared type as written in `CREATE TABLE` (`""` when none). */
  type: string;
  nullable: boolean;
  primary_key: boolean;
}

/** One sampled row; `rowid` is `null` for `WITHOUT ROWID` tables. */
export interface SampleRow {
  rowid: number | null;
  values: Record<string, CellValue>;
}

/** One table read. */
export interface TableContent {
  name: string;
  row_count: number;
  columns: ColumnInfo[];
  sample_rows: SampleRow[];
}

/** Content of a `database_content/1.0.0` artifact. */
export interface DatabaseContent {
  database: { kind: "sqlite"; path: string };
  tables: TableContent[];
  coverage: {
    tables_read: number;
    /** Tables left out: `excluded` by include/exclude, or `unreadable` (e.g. a virtual table). */
    tables_skipped: Array<{ name: string; reason: string }>;
    rows_sampled: number;
  };
}
