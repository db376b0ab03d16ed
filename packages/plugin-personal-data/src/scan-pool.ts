import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { type PackedCellMatches, packCells } from "./cell-matches.js";
import { PersonalDataError, PersonalDataErrorCode } from "./errors.js";
import type { FindingDraft, ScannedFile } from "./file-scan.js";
import type { PersonalDataProperties } from "./properties.js";

interface Pending {
  resolve(answer: ScanAnswer): void;
  reject(error: unknown): void;
}

// Run from the sources (tests, `@wct/source`), the worker is TypeScript: it registers
// tsx first (a worker takes no `--import`). Built, it is plain JavaScript.
const FROM_SOURCES = import.meta.url.endsWith(".ts");
const WORKER_URL = new URL(FROM_SOURCES ? "./scan-worker.ts" : "./scan-worker.js", import.meta.url);

function startWorker(workerData: unknown, script: URL | undefined): Worker {
  if (script !== undefined) return new Worker(script, { workerData });
  if (!FROM_SOURCES) return new Worker(WORKER_URL, { workerData });
  const boot = `import("tsx/esm/api").then((tsx) => { tsx.register(); return import(${JSON.stringify(WORKER_URL.href)}); });`;
  return new Worker(boot, { eval: true, workerData });
}

/**
 * How many scanning threads a large scan uses: `WCT_SCAN_WORKERS` when set (0 scans on
 * the main thread only), else none below 4 cores and two less than the cores (at most
 * 3) from there. Measured on 2 cores, a worker made a scan slower: the main thread, the
 * gzip stage and the worker then compete for the same two cores, and the worker's own
 * start and the copies to it cost more than the scan it takes over.
 */
export function scanWorkerCount(): number {
  const given = givenWorkerCount();
  if (given !== undefined) return given;
  const cores = availableParallelism();
  return cores < 4 ? 0 : Math.min(3, cores - 2);
}

/** `WCT_SCAN_WORKERS` when it is a whole number (0 to 16), else `undefined`. */
function givenWorkerCount(): number | undefined {
  const given = process.env.WCT_SCAN_WORKERS;
  if (given === undefined || given === "" || !Number.isInteger(Number(given))) return undefined;
  return Math.max(0, Math.min(16, Number(given)));
}

/**
 * How many scanning threads a database's rows use: `WCT_SCAN_WORKERS` when set, else one
 * from 2 cores. Unlike files, rows are worth a thread on 2 cores: a row's cells cost
 * little to send and their matches travel packed, while the main thread has the rows'
 * reading, storing and findings to do besides. Its share is about as large as the
 * scan's, so one thread keeps up with it; each more would add about 50 MB of memory.
 */
export function rowScanWorkerCount(): number {
  return givenWorkerCount() ?? (availableParallelism() >= 2 ? 1 : 0);
}

// Below this many rows a database's scan ends before a thread would have started.
const WORKERS_AFTER_ROWS = 4096;

/**
 * How many rows a database's scan reads on the main thread before its threads start:
 * `WCT_SCAN_WORKERS_AFTER_ROWS` when set (`0`: from the first row, every row on them),
 * else 4,096.
 */
export function scanWorkersAfterRows(): number {
  const rows = nonNegativeEnv("WCT_SCAN_WORKERS_AFTER_ROWS");
  return rows !== undefined && Number.isSafeInteger(rows) ? rows : WORKERS_AFTER_ROWS;
}

/** The environment variable `name` when it is a number 0 or more, else `undefined`. */
function nonNegativeEnv(name: string): number | undefined {
  const given = process.env[name];
  const value = given === undefined || given.trim() === "" ? Number.NaN : Number(given);
  return Number.isFinite(value) && value >= 0 ? value : undefined;
}

// Below this a scan ends before workers would pay for their start (~100 ms each).
const WORKERS_AFTER_MB = 16;

/**
 * How many megabytes (MiB) of files a scan reads on the main thread before its threads
 * start: `WCT_SCAN_WORKERS_AFTER_MB` when set (`0`: from the first file), else 16.
 */
export function scanWorkersAfterBytes(): number {
  return (nonNegativeEnv("WCT_SCAN_WORKERS_AFTER_MB") ?? WORKERS_AFTER_MB) * 1024 * 1024;
}

/**
 * Scans files on worker threads, so that the main thread only reads, stores and
 * admits findings. Each file goes to the least busy worker; callers keep results in
 * their own order (and bound how many are in flight).
 */
export class ScanPool {
  private readonly workers: { worker: Worker; busy: number }[] = [];
  private readonly pending = new Map<number, Pending>();
  private seq = 0;
  private failure: PersonalDataError | undefined;
  private closing = false;
  private isReady = false;
  private onReady: (() => void) | undefined;
  /** Settles once a thread is ready, or the pool failed. */
  readonly started = new Promise<void>((resolve) => {
    this.onReady = resolve;
  });

  /** `script`: the thread's JavaScript module, when not the package's own `scan-worker`. */
  constructor(size: number, props: PersonalDataProperties, key: string | null, script?: URL) {
    for (let i = 0; i < size; i++) {
      const worker = startWorker({ props, key }, script);
      const slot = { worker, busy: 0 };
      worker.on("message", (message: ScanAnswer | { ready: true }) => {
        if ("ready" in message) {
          this.isReady = true;
          this.onReady?.();
          return;
        }
        slot.busy--;
        const waiting = this.pending.get(message.seq);
        this.pending.delete(message.seq);
        if (message.error === undefined) waiting?.resolve(message);
        else waiting?.reject(scanFailed(message.error, message.code));
      });
      worker.on("error", (error) =>
        this.fail(error instanceof Error ? error.message : String(error)),
      );
      // A thread that ends on its own (whatever its code) answers nothing more: what was
      // sent to it, and every later file, fails instead of waiting forever.
      worker.on("exit", (code) => {
        if (!this.closing) this.fail(`it exited with code ${code}`);
      });
      this.workers.push(slot);
    }
  }

  private fail(problem: string): void {
    this.failure ??= scanFailed(problem, undefined);
    this.onReady?.();
    for (const waiting of this.pending.values()) waiting.reject(this.failure);
    this.pending.clear();
  }

  /**
   * Whether a thread has compiled its rules and waits for work (a thread starts in about
   * 100 ms): until then a caller may go on scanning on its own thread.
   */
  get ready(): boolean {
    return this.isReady;
  }

  /** The finding drafts of one file. */
  async scan(file: ScannedFile): Promise<FindingDraft[]> {
    const answer = await this.send({ file: { path: file.path, text: file.text } });
    return answer.drafts ?? [];
  }

  /**
   * The matches of a batch of database cells, packed (see `cell-matches.ts`): `texts[i]`
   * scanned without field names, from offset `froms[i]` (after its context prefix).
   */
  async scanCells(texts: string[], froms: number[]): Promise<PackedCellMatches> {
    const cells = packCells(texts, froms);
    const answer = await this.send({ cells }, [cells.ends.buffer, cells.froms.buffer]);
    if (answer.cells === undefined) throw scanFailed("it answered no matches", undefined);
    return answer.cells;
  }

  // Sends `work` to the least busy thread.
  private send(work: object, transfer: ArrayBuffer[] = []): Promise<ScanAnswer> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closing) return Promise.reject(scanFailed("the pool was closed", undefined));
    let slot = this.workers[0]!;
    for (const candidate of this.workers) if (candidate.busy < slot.busy) slot = candidate;
    const seq = this.seq++;
    slot.busy++;
    const answer = new Promise<ScanAnswer>((resolve, reject) => {
      this.pending.set(seq, { resolve, reject });
    });
    slot.worker.postMessage({ seq, ...work }, transfer);
    return answer;
  }

  /** Stops every worker; pending scans are dropped. */
  async close(): Promise<void> {
    this.closing = true;
    this.pending.clear();
    await Promise.all(this.workers.map((slot) => slot.worker.terminate()));
  }
}

/** What a scanning thread answers for one file or one batch of cells. */
interface ScanAnswer {
  seq: number;
  drafts?: FindingDraft[];
  cells?: PackedCellMatches;
  error?: string;
  code?: unknown;
}

const KNOWN_CODES = new Set<unknown>(Object.values(PersonalDataErrorCode));

/**
 * The error of a scan a thread could not do: the thread's own code when it threw one of
 * the processor's, else `ERR_PERSONAL_DATA_SCAN_FAILED`, with the way around it.
 */
function scanFailed(problem: string, code: unknown): PersonalDataError {
  return new PersonalDataError(
    KNOWN_CODES.has(code) ? (code as PersonalDataErrorCode) : PersonalDataErrorCode.ScanFailed,
    `a personal_data scanning thread failed: ${problem}. Rerun the artifact; if it fails again, scan on the main thread alone with WCT_SCAN_WORKERS=0.`,
  );
}
