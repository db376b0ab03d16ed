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

/** One row read; `rowid` is `null` for `WITHOUT ROWID` tables. */
export interface SampleRow {
  rowid: number | null;
  values: Record<string, CellValue>;
}

/** One row record of `database_content/2.0.0`: a {@link SampleRow} and its table's name. */
export interface RowRecord extends SampleRow {
  table: string;
}

/** One table read, as listed before the rows: its name, row count and columns. */
export interface TableContent {
  name: string;
  row_count: number;
  columns: ColumnInfo[];
}

/**
 * Content of a `database_content/2.0.0` artifact. Streamed: head `{database, tables}`,
 * then `rows` one record per row, table by table in `tables` order, then `{coverage}`.
 */
export interface DatabaseContent {
  database: { kind: "sqlite"; path: string };
  tables: TableContent[];
  rows: RowRecord[];
  coverage: {
    tables_read: number;
    /**
     * Tables left out: `excluded` by include/exclude, or `unreadable` (e.g. a virtual
     * table, which is then absent from `tables`; or a table whose rows failed midway,
     * listed in `tables` with the rows read before the failure).
     */
    tables_skipped: Array<{ name: string; reason: string }>;
    rows_sampled: number;
  };
}
