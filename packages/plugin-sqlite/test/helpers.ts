import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ComponentLog, isStreamedContent, type StreamedContent } from "@wct/plugin-api";
import Database from "better-sqlite3";
import {
  type DatabaseContent,
  type SampleRow,
  sqliteConnector,
  sqliteProperties,
} from "../src/index.js";

/** A temporary folder, removed by `cleanup`. */
export async function makeTempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "wct-sqlite-"));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Creates a database at `path` by running `sql`, then closes it. */
export function createDatabase(path: string, sql: string): void {
  const db = new Database(path);
  try {
    // A fixture needs no durability: without this every statement is a transaction of
    // its own, synced to disk, and the tests wait on the disk rather than on SQLite.
    db.pragma("synchronous = OFF");
    db.pragma("journal_mode = MEMORY");
    db.exec(sql);
  } finally {
    db.close();
  }
}

const silentLog: ComponentLog = { debug() {}, info() {}, warn() {}, error() {} };

/** Runs the connector as the executor would: properties validated, defaults applied. */
export async function extract(
  properties: Record<string, unknown>,
  options: { baseDir: string; signal?: AbortSignal; log?: ComponentLog },
): Promise<DatabaseContent> {
  const out = await sqliteConnector.extract({
    properties: sqliteProperties.parse(properties),
    signal: options.signal ?? new AbortController().signal,
    log: options.log ?? silentLog,
    artifactId: "database",
    runId: "run-1",
    baseDir: options.baseDir,
  });
  if (!isStreamedContent(out)) return out as DatabaseContent;
  // As a reader gets the stored artifact back: the records gathered under their field.
  const records: unknown[] = [];
  for await (const record of out.records) records.push(record);
  return {
    ...out.head,
    [out.recordsField]: records,
    ...(await out.summary()),
  } as unknown as DatabaseContent;
}

/** The connector's streamed output, as the executor gets it before storing it. */
export async function extractStreamed(
  properties: Record<string, unknown>,
  options: { baseDir: string; signal?: AbortSignal },
): Promise<StreamedContent> {
  const out = await sqliteConnector.extract({
    properties: sqliteProperties.parse(properties),
    signal: options.signal ?? new AbortController().signal,
    log: silentLog,
    artifactId: "database",
    runId: "run-1",
    baseDir: options.baseDir,
  });
  if (!isStreamedContent(out)) throw new Error("expected streamed content");
  return out;
}

/** The rows of one table, without their table name. */
export function rowsOf(content: DatabaseContent, table: string): SampleRow[] {
  return content.rows
    .filter((row) => row.table === table)
    .map(({ rowid, values }) => ({ rowid, values }));
}
