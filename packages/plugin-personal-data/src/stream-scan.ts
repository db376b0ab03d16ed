// The personal_data processor's streamed scan: inputs read one record at a time,
// findings handed on as they are admitted. Files and a database's rows may be scanned on
// scanning threads (`scan-pool.ts`); each kind keeps its own window of work in flight
// (`FileWindow`, `RowWindow`) and settles it in input order, so the findings are the same
// as on one thread.
import {
  type ProgressReport,
  type RecordInput,
  type StreamedContent,
  streamContent,
} from "@wct/plugin-api";
import { cellMatches, type PackedCellMatches } from "./cell-matches.js";
import type { FindingDraft } from "./file-scan.js";
import { type FileEntry, fileCoverage, isFile, scanFile } from "./files.js";
import {
  CellBatch,
  databaseCoverage,
  dbPathOf,
  isTable,
  RowScanner,
  scanTable,
  type TableCounts,
  type TableHead,
  tableHeadsOf,
} from "./rows.js";
import {
  admitDrafts,
  checkpoint,
  closing,
  drain,
  ROW_STRIDE,
  type ScanContext,
  scanContext,
  unsupported,
} from "./scan-context.js";
import {
  rowScanWorkerCount,
  ScanPool,
  scanWorkerCount,
  scanWorkersAfterBytes,
  scanWorkersAfterRows,
} from "./scan-pool.js";
import type { Finding, InputCoverage } from "./types.js";

/** Tuning of {@link streamPersonalData}'s scanning threads. */
export interface StreamScanOptions {
  /** Scanning threads for file inputs; default {@link scanWorkerCount} (`WCT_SCAN_WORKERS`). */
  workers?: number;
  /**
   * Scanning threads for a database's rows; default {@link rowScanWorkerCount}
   * (`WCT_SCAN_WORKERS`).
   */
  rowWorkers?: number;
  /**
   * Rows scanned on the main thread before the threads start; default
   * {@link scanWorkersAfterRows} (4,096, `WCT_SCAN_WORKERS_AFTER_ROWS`). Past it, rows
   * go on being scanned here until a thread is ready (about 100 ms); with `0`, the scan
   * waits for the threads and every row is scanned on them.
   */
  workersAfterRows?: number;
  /**
   * Bytes scanned on the main thread before the workers start; default
   * {@link scanWorkersAfterBytes} (16 MiB, `WCT_SCAN_WORKERS_AFTER_MB`).
   */
  workersAfterBytes?: number;
  /**
   * The scanning threads' script: a JavaScript module built from this package's
   * `scan-worker` (its tests hand a bundle of it, which starts in half the CPU of the
   * sources run through tsx). Default: the package's own.
   */
  workerScript?: URL;
}

// Text of the files sent to the workers and not yet answered, at most (one larger file
// still goes alone).
const WINDOW_BYTES = 8 * 1024 * 1024;
// Rows sent to a scanning thread at once, and batches in flight per thread: enough to
// keep it busy through the main thread's pauses, few enough that a batch's strings die
// young. With 512 rows to a batch they outlived the young generation, and a million
// rows' run peaked 30–50 MB higher. Rows with large cells go in smaller batches: a
// batch is sent once its cells hold BATCH_CHARS characters, and the cells in flight
// stay within WINDOW_BYTES (counted at two bytes a character), as files do.
const BATCH_ROWS = 128;
const BATCH_CHARS = 1024 * 1024;
const BATCHES_PER_WORKER = 4;

/**
 * What the scan of every input of one stream shares: the context, the scanning threads
 * (started once, by the first input that needs them), and the progress.
 */
class StreamScan {
  pool: ScanPool | undefined;
  /** Records scanned (files, rows, tables), and bytes scanned, over all inputs. */
  items = 0;
  bytesDone = 0;
  readonly workers: number;
  readonly workersAfterBytes: number;
  readonly rowWorkers: number;
  readonly workersAfterRows: number;

  constructor(
    readonly ctx: ScanContext,
    private readonly options: StreamScanOptions,
    private readonly progress: ((report: ProgressReport) => void) | undefined,
  ) {
    this.workers = options.workers ?? scanWorkerCount();
    this.workersAfterBytes = options.workersAfterBytes ?? scanWorkersAfterBytes();
    this.rowWorkers = options.rowWorkers ?? rowScanWorkerCount();
    this.workersAfterRows = options.workersAfterRows ?? scanWorkersAfterRows();
  }

  /** Starts `size` scanning threads. */
  startPool(size: number): ScanPool {
    this.pool = new ScanPool(size, this.ctx.props, this.ctx.key, this.options.workerScript);
    return this.pool;
  }

  /** Reports the progress: records so far, and `bytes` (by default all inputs' bytes). */
  report(unit: "files" | "rows" | "tables", bytes = this.bytesDone): void {
    this.progress?.({ items: this.items, bytes, unit });
  }
}

/**
 * The files of one input: scanned here, or, past `workersAfterBytes` of files, sent to
 * the scanning threads, a few at a time, and settled in the order they came.
 */
class FileWindow {
  files = 0;
  bytes = 0;
  private readonly window: { drafts: Promise<FindingDraft[]>; size: number }[] = [];
  private windowBytes = 0;

  constructor(private readonly scan: StreamScan) {}

  /** Whether files sent to a thread are still to be settled. */
  get pending(): boolean {
    return this.window.length > 0;
  }

  /** Scans `file` here, or sends it to a thread (settling the oldest while too many are out). */
  async add(file: FileEntry): Promise<void> {
    const { scan } = this;
    // Small scans stay on this thread: starting workers costs more than they save.
    if (scan.pool === undefined && scan.workers > 0 && scan.bytesDone >= scan.workersAfterBytes) {
      scan.startPool(scan.workers);
    }
    if (scan.pool === undefined) {
      this.scanned(await scanFile(scan.ctx, file));
      return;
    }
    scan.ctx.signal.throwIfAborted();
    const drafts = scan.pool.scan(file);
    drafts.catch(() => {});
    const size = Buffer.byteLength(file.text, "utf8");
    this.window.push({ drafts, size });
    this.windowBytes += size;
    // A few files per worker keep them busy; the byte bound keeps memory flat. Settled
    // until back under both bounds: one file out per file in would keep the window as
    // large as it once grew.
    while (this.window.length >= 4 * scan.workers || this.windowBytes >= WINDOW_BYTES) {
      await this.settleOldest();
    }
  }

  /** Admits the findings of the oldest file sent to a thread. */
  async settleOldest(): Promise<void> {
    const oldest = this.window.shift()!;
    this.windowBytes -= oldest.size;
    admitDrafts(this.scan.ctx.sink, await oldest.drafts);
    this.scanned(oldest.size);
    this.scan.ctx.signal.throwIfAborted();
  }

  private scanned(size: number): void {
    this.files++;
    this.bytes += size;
    this.scan.bytesDone += size;
    this.scan.items++;
  }
}

/**
 * The rows of one `database_content/2.0.0` input: scanned here, or, once a scanning
 * thread is ready, gathered in batches whose cells a thread scans, settled in order.
 * {@link add} returns a promise only when it has to wait, so that a million rows do not
 * cost a million awaits.
 */
class RowWindow {
  readonly counts = { columns: 0, rows: 0, bytes: 0, tables: 0 };
  private readonly scanner: RowScanner;
  // Bytes scanned by the inputs before this one.
  private readonly before: number;
  private readonly window: { batch: CellBatch; matches: Promise<PackedCellMatches> }[] = [];
  private windowChars = 0;
  private batch: CellBatch | undefined;
  private seen = 0;

  constructor(
    private readonly scan: StreamScan,
    tables: readonly TableHead[],
    dbPath: string,
  ) {
    this.scanner = new RowScanner(scan.ctx, tables, dbPath, this.counts);
    this.before = scan.bytesDone;
  }

  /** Whether batches sent to a thread are still to be settled. */
  get pending(): boolean {
    return this.window.length > 0;
  }

  /** Takes one row: scans it here or adds it to a batch; a promise when it must wait. */
  add(row: unknown): Promise<void> | undefined {
    const { scan } = this;
    scan.ctx.signal.throwIfAborted();
    // A row takes microseconds: the clock and the progress every ROW_STRIDE rows.
    if (++this.seen % ROW_STRIDE === 0 || this.startsPool()) return this.addLater(row);
    return this.addNow(row);
  }

  // Whether the threads are due to start, at this row.
  private startsPool(): boolean {
    const { scan } = this;
    return scan.pool === undefined && scan.rowWorkers > 0 && this.seen > scan.workersAfterRows;
  }

  private async addLater(row: unknown): Promise<void> {
    const { scan } = this;
    if (this.seen % ROW_STRIDE === 0) {
      await checkpoint(scan.ctx);
      scan.report("rows");
    }
    if (this.startsPool()) {
      const pool = scan.startPool(scan.rowWorkers);
      if (scan.workersAfterRows === 0) await pool.started;
    }
    await this.addNow(row);
  }

  private addNow(row: unknown): Promise<void> | undefined {
    const { scan } = this;
    if (this.batch === undefined && (scan.rowWorkers === 0 || scan.pool?.ready !== true)) {
      if (!this.scanner.scan(row)) return undefined;
      scan.bytesDone = this.before + this.counts.bytes;
      scan.items++;
      return undefined;
    }
    this.batch ??= new CellBatch();
    if (!this.scanner.add(this.batch, row)) return undefined;
    scan.items++;
    if (this.batch.rows < BATCH_ROWS && this.batch.chars < BATCH_CHARS) return undefined;
    const full = this.batch;
    this.batch = new CellBatch();
    return this.send(full);
  }

  /** Sends the last batch, however few rows it holds. */
  async flush(): Promise<void> {
    const last = this.batch;
    this.batch = undefined;
    if (last !== undefined && last.rows > 0) await this.send(last);
  }

  /** Admits the findings of the oldest batch sent to a thread. */
  async settleOldest(): Promise<void> {
    const oldest = this.window.shift()!;
    this.windowChars -= oldest.batch.chars;
    const packed = await oldest.matches;
    this.scanner.settle(oldest.batch, (_, i) => cellMatches(packed, i));
    this.scan.bytesDone = this.before + this.counts.bytes;
    this.scan.ctx.signal.throwIfAborted();
  }

  /** After the last row: the field names of tables without rows (see RowScanner). */
  finish(): void {
    this.scanner.finish();
  }

  private async send(full: CellBatch): Promise<void> {
    const matches = this.scan.pool!.scanCells(full.texts, full.froms);
    matches.catch(() => {});
    this.window.push({ batch: full, matches });
    this.windowChars += full.chars;
    while (
      this.window.length > BATCHES_PER_WORKER * this.scan.rowWorkers ||
      (this.window.length > 1 && 2 * this.windowChars > WINDOW_BYTES)
    ) {
      await this.settleOldest();
    }
  }
}

/**
 * The scan of `findPersonalData`, streamed: inputs are read one file (or table) at
 * a time and findings are yielded as they are found, so memory holds one file plus
 * what the findings limits allow; summary and coverage close the stream. Files are
 * scanned in the order the input holds them (the filesystem connector's is
 * deterministic), not re-sorted by path. Past `workersAfterBytes` of files, files are
 * scanned on worker threads (a few files in flight), and past `workersAfterRows` rows,
 * a database's rows (in batches); findings are admitted in input order, so the output
 * is the same as on one thread.
 */
export function streamPersonalData(
  inputs: ReadonlyArray<RecordInput>,
  rawProperties: unknown,
  signal: AbortSignal = new AbortController().signal,
  progress?: (report: ProgressReport) => void,
  options: StreamScanOptions = {},
): StreamedContent<Finding> {
  const ctx = scanContext(rawProperties, signal);
  const scan = new StreamScan(ctx, options, progress);
  const coverage: InputCoverage[] = [];
  const { sink } = ctx;
  async function* findings(): AsyncGenerator<Finding[], void, undefined> {
    try {
      for (const input of inputs) {
        signal.throwIfAborted();
        const field = await recordsFieldOf(input);
        if (field === "files") {
          const files = new FileWindow(scan);
          for await (const file of input.records("files")) {
            if (!isFile(file)) continue;
            await files.add(file);
            if (sink.findings.length > 0) yield drain(ctx);
            scan.report("files");
          }
          while (files.pending) {
            await files.settleOldest();
            if (sink.findings.length > 0) yield drain(ctx);
            scan.report("files");
          }
          const closed = await input.summary();
          coverage.push(fileCoverage(input, closed.coverage, files.files, files.bytes));
        } else if (field === "rows") {
          // Streamed, the head lists the tables; plain (small by construction), the content.
          const fields = input.recordsField === undefined ? await input.summary() : input.head;
          const rows = new RowWindow(scan, tableHeadsOf(fields.tables), dbPathOf(fields.database));
          for await (const row of input.records("rows")) {
            const waiting = rows.add(row);
            if (waiting !== undefined) await waiting;
            if (sink.findings.length > 0) yield drain(ctx);
          }
          await rows.flush();
          while (rows.pending) {
            await rows.settleOldest();
            if (sink.findings.length > 0) yield drain(ctx);
          }
          rows.finish();
          if (sink.findings.length > 0) yield drain(ctx);
          scan.report("rows");
          const { counts } = rows;
          const closed = await input.summary();
          coverage.push(databaseCoverage(input, closed.coverage, counts.tables, counts));
        } else if (field === "tables") {
          const counts: TableCounts = { columns: 0, rows: 0, bytes: 0 };
          const dbPath = dbPathOf(input.head.database ?? (await input.summary()).database);
          let tables = 0;
          for await (const table of input.records("tables")) {
            if (!isTable(table)) continue;
            await scanTable(ctx, table, dbPath, counts);
            tables++;
            scan.items++;
            if (sink.findings.length > 0) yield drain(ctx);
            scan.report("tables", counts.bytes);
          }
          coverage.push(databaseCoverage(input, (await input.summary()).coverage, tables, counts));
        } else {
          throw unsupported(input);
        }
      }
    } finally {
      await scan.pool?.close();
    }
  }
  return streamContent({
    recordsField: "findings",
    records: oneByOne(findings()),
    summary: () => closing(ctx, coverage),
  });
}

/**
 * The findings of `batches` one by one. The scan yields what it admitted in batches (a
 * row's, a file's, a batch of rows'): an async generator yielding each finding cost
 * several promises per finding (a database's rows give millions), where a batch already
 * in hand is handed over here one settled promise at a time. `return()` reaches the
 * scan, which then stops its threads.
 */
function oneByOne<T>(batches: AsyncGenerator<T[], void, undefined>): AsyncIterableIterator<T> {
  let batch: T[] = [];
  let at = 0;
  const done = (): IteratorResult<T> => ({ done: true, value: undefined });
  const iterator: AsyncIterableIterator<T> = {
    next: (): Promise<IteratorResult<T>> => {
      if (at < batch.length) return Promise.resolve({ done: false, value: batch[at++]! });
      return batches.next().then((next) => {
        if (next.done) return done();
        batch = next.value;
        at = 0;
        return iterator.next();
      });
    },
    return: async (): Promise<IteratorResult<T>> => {
      batch = [];
      await batches.return(undefined);
      return done();
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}

type RecordsField = "files" | "tables" | "rows";

/** Which records an input holds: its streamed field, else the array its content has. */
async function recordsFieldOf(input: RecordInput): Promise<RecordsField | undefined> {
  const field = input.recordsField;
  if (field === "files" || field === "tables" || field === "rows") return field;
  if (field !== undefined) return undefined;
  // A plain (not streamed) input: its content's fields tell which kind it is. Plain
  // inputs are small by construction (they were held whole when produced).
  const rest = await input.summary();
  if (Array.isArray(rest.files)) return "files";
  // database_content/2.0.0 lists its tables besides the rows: the rows decide.
  if (Array.isArray(rest.rows)) return "rows";
  return Array.isArray(rest.tables) ? "tables" : undefined;
}
