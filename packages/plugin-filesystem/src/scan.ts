import type { Dirent } from "node:fs";
import { readdir, realpath, stat, statfs } from "node:fs/promises";
import { basename, isAbsolute, join, relative, sep } from "node:path";
import picomatch from "picomatch";
import { ReadAheadBudget, type ReadOutcome, readTextFile, readTextFileSync } from "./read-file.js";
import type { TextEncoding } from "./text.js";
import { type FileCoverage, type FileEntry, MAX_SKIPPED_FILES, type SkipReason } from "./types.js";

/** What {@link scanPath} needs; `rootPath` is absolute and known to exist. */
export interface ScanOptions {
  rootPath: string;
  include: readonly string[];
  exclude: readonly string[];
  maxFiles: number;
  maxFileSize: number;
  encoding: TextEncoding;
  signal: AbortSignal;
  /** Bytes of the files read ahead, at most; default {@link READ_AHEAD_BYTES}. */
  readAheadBytes?: number;
  /** How files are read; default {@link readModeOf} the root. */
  reads?: ReadMode;
}

/**
 * How a scan reads its files: `blocking`, each file in turn by system calls on this
 * thread; or `threadpool`, through libuv's threadpool with a few files read ahead, the
 * event loop free meanwhile.
 */
export type ReadMode = "blocking" | "threadpool";

// Filesystems whose reads may wait on a network or on another process (statfs(2)'s
// f_type): NFS, SMB, CIFS, SMB2, FUSE (sshfs, s3fs, …), Coda, AFS, Ceph, 9P, NCP,
// OCFS2, GFS2.
const REMOTE_FILESYSTEMS = new Set([
  0x6969, 0x517b, 0xff534d42, 0xfe534d42, 0x65735546, 0x73757245, 0x5346414f, 0x00c36400,
  0x01021997, 0x564c, 0x7461636f, 0x01161970,
]);

/**
 * How to read the files under `path`: blocking on Linux when it is on a local
 * filesystem, where a read from the page cache takes microseconds and each trip through
 * the threadpool costs more than the call (10,000 files of 1 KB: a `wct run` took about
 * a quarter less time, and 100 MB of files about 0.3 s less); through the threadpool on
 * a network or FUSE filesystem, where one read may wait long and reads in flight
 * together pay off, and on other systems, where the filesystem's kind is not checked.
 */
export async function readModeOf(path: string): Promise<ReadMode> {
  if (process.platform !== "linux") return "threadpool";
  try {
    const { type } = await statfs(path);
    return REMOTE_FILESYSTEMS.has(type) ? "threadpool" : "blocking";
  } catch {
    return "threadpool";
  }
}

/** The files read and the coverage of a scan. */
export interface ScanResult {
  files: FileEntry[];
  coverage: FileCoverage;
}

/**
 * Files being read ahead of the one handed out, at most: each read is a few round trips
 * to the threadpool, and a consumer that scans one file while the next ones are read
 * does not wait for them (measured: a personal-data scan of a text tree waited for its
 * next file about a third of the time with no read ahead).
 */
export const READ_AHEAD_FILES = 8;
/**
 * Bytes of the files read ahead, at most; the next file to hand out is read whatever
 * its size, so memory holds this much plus one file.
 */
export const READ_AHEAD_BYTES = 16 * 1024 * 1024;
/** Steps of the walk (files and skips) looked ahead at most, so skips do not pile up. */
const STEPS_AHEAD = 256;

/**
 * What the walk found, in its order: a file to read, or one it skipped. Skips are
 * counted when they come out of the read-ahead window, so `skipped_files` keeps the
 * walk's order whatever is read ahead.
 */
type Step =
  | { kind: "file"; path: string; rel: string }
  | { kind: "skip"; rel: string; reason: SkipReason };

interface PendingLink {
  /** Path of the link itself. */
  path: string;
  /** Relative path the link's content is reported under. */
  rel: string;
}

/**
 * Reads the text files under `rootPath` in a deterministic order (entries sorted by
 * name, depth first). Nothing is followed before it is `lstat`ed: symbolic links are
 * followed after the tree itself is read, only when they resolve inside the root, and
 * each real folder and file is read at most once, so links never loop nor duplicate.
 */
export async function scanPath(options: ScanOptions): Promise<ScanResult> {
  const files: FileEntry[] = [];
  const scan = new Scan(options);
  for await (const file of scan.run()) files.push(file);
  return { files, coverage: scan.coverage };
}

/**
 * The same scan, one file at a time: files are read at most {@link READ_AHEAD_FILES}
 * ahead of the one pulled, so memory holds {@link READ_AHEAD_BYTES} plus one file's
 * text. `coverage` is complete once the iteration has ended.
 */
export function streamPath(options: ScanOptions): {
  files: AsyncGenerator<FileEntry, void, undefined>;
  coverage: FileCoverage;
} {
  const scan = new Scan(options);
  return { files: scan.run(), coverage: scan.coverage };
}

class Scan {
  readonly coverage: FileCoverage = {
    files_read: 0,
    bytes_read: 0,
    skipped: { binary: 0, too_large: 0, unreadable: 0, excluded_links: 0, over_max_files: 0 },
    skipped_files: [],
  };
  private readonly isIncluded: (rel: string) => boolean;
  private readonly isExcluded: (rel: string) => boolean;
  private readonly visitedFolders = new Set<string>();
  private readonly visitedFiles = new Set<string>();
  private readonly pendingLinks: PendingLink[] = [];
  private examined = 0;
  private realRoot = "";

  constructor(private readonly options: ScanOptions) {
    this.isIncluded = matcher(options.include);
    this.isExcluded = matcher(options.exclude);
  }

  /** The files in the walk's order, read as {@link ScanOptions.reads} says. */
  async *run(): AsyncGenerator<FileEntry, void, undefined> {
    const reads = this.options.reads ?? (await readModeOf(this.options.rootPath));
    yield* reads === "blocking" ? this.readInTurn() : this.readAhead();
  }

  /** The files in the walk's order, each read when it is its turn, blocking. */
  private async *readInTurn(): AsyncGenerator<FileEntry, void, undefined> {
    const { maxFileSize, encoding } = this.options;
    for await (const step of this.walk()) {
      if (step.kind === "skip") {
        this.skip(step.rel, step.reason);
        continue;
      }
      this.throwIfAborted();
      const file = this.handOut(step.rel, readTextFileSync(step.path, maxFileSize, encoding));
      if (file !== undefined) yield file;
    }
  }

  /**
   * The files in the walk's order, read through the threadpool up to
   * {@link READ_AHEAD_FILES} (and {@link READ_AHEAD_BYTES}) ahead of the one handed out.
   */
  private async *readAhead(): AsyncGenerator<FileEntry, void, undefined> {
    const { maxFileSize, encoding } = this.options;
    const budget = new ReadAheadBudget(this.options.readAheadBytes ?? READ_AHEAD_BYTES);
    const steps = this.walk();
    // Skips and reads started, in the walk's order.
    const window: Array<
      Extract<Step, { kind: "skip" }> | { kind: "read"; rel: string; outcome: Promise<ReadOutcome> }
    > = [];
    let reading = 0;
    let walked = false;
    try {
      for (;;) {
        while (!walked && reading < READ_AHEAD_FILES && window.length < STEPS_AHEAD) {
          const next = await steps.next();
          if (next.done) {
            walked = true;
            break;
          }
          const step = next.value;
          if (step.kind === "file") {
            this.throwIfAborted();
            reading++;
            const outcome = readTextFile(step.path, maxFileSize, encoding, budget.nextRead());
            window.push({ kind: "read", rel: step.rel, outcome });
          } else {
            window.push(step);
          }
        }
        const step = window.shift();
        if (step === undefined) return;
        if (step.kind === "skip") {
          this.skip(step.rel, step.reason);
          continue;
        }
        reading--;
        // Never rejects: a failed read is an `unreadable` outcome.
        const outcome = await step.outcome;
        budget.handedOut();
        this.throwIfAborted();
        const file = this.handOut(step.rel, outcome);
        if (file !== undefined) yield file;
      }
    } finally {
      // Stopped early: reads still waiting for room give up (and close their files).
      budget.cancel();
    }
  }

  /** The walk: files to read and files skipped, in a deterministic order. */
  private async *walk(): AsyncGenerator<Step, void, undefined> {
    const { rootPath } = this.options;
    this.realRoot = await realpath(rootPath);
    const root = await stat(this.realRoot);
    if (!root.isDirectory()) {
      // A single file is read whatever the globs say: naming it is explicit enough.
      this.visitedFiles.add(this.realRoot);
      yield { kind: "file", path: this.realRoot, rel: basename(rootPath) };
      return;
    }
    this.visitedFolders.add(this.realRoot);
    yield* this.walkFolder(this.realRoot, "", { isRoot: true });
    // Links go last, so that what they point to inside the tree is reported under its
    // own path, and a link to something already read is not read again.
    for (let link = this.pendingLinks.shift(); link; link = this.pendingLinks.shift()) {
      yield* this.followLink(link);
    }
  }

  private async *walkFolder(
    folder: string,
    rel: string,
    { isRoot }: { isRoot: boolean },
  ): AsyncGenerator<Step, void, undefined> {
    this.throwIfAborted();
    let entries: Dirent[];
    try {
      entries = await readdir(folder, { withFileTypes: true });
    } catch (error) {
      if (isRoot) throw error;
      yield { kind: "skip", rel, reason: "unreadable" };
      return;
    }
    entries.sort((a, b) => compareNames(a.name, b.name));
    for (const entry of entries) {
      const path = join(folder, entry.name);
      const entryRel = rel === "" ? entry.name : `${rel}/${entry.name}`;
      if (this.isExcluded(entryRel)) continue;
      if (entry.isSymbolicLink()) {
        this.pendingLinks.push({ path, rel: entryRel });
      } else if (entry.isDirectory()) {
        if (this.visitedFolders.has(path)) continue;
        this.visitedFolders.add(path);
        yield* this.walkFolder(path, entryRel, { isRoot: false });
      } else if (entry.isFile()) {
        yield* this.considerFile(path, entryRel);
      }
      // Sockets, FIFOs and devices are not files with content: reading a FIFO blocks.
    }
  }

  private async *followLink(link: PendingLink): AsyncGenerator<Step, void, undefined> {
    this.throwIfAborted();
    let target: string;
    try {
      target = await realpath(link.path);
    } catch {
      yield { kind: "skip", rel: link.rel, reason: "unreadable" };
      return;
    }
    const targetRel = relativeInside(this.realRoot, target);
    if (targetRel === undefined) {
      yield { kind: "skip", rel: link.rel, reason: "link_outside" };
      return;
    }
    if (targetRel !== "" && this.isExcluded(targetRel)) return;
    let kind: "folder" | "file" | "other";
    try {
      const found = await stat(target);
      kind = found.isDirectory() ? "folder" : found.isFile() ? "file" : "other";
    } catch {
      yield { kind: "skip", rel: link.rel, reason: "unreadable" };
      return;
    }
    if (kind === "folder") {
      if (this.visitedFolders.has(target)) return;
      this.visitedFolders.add(target);
      yield* this.walkFolder(target, link.rel, { isRoot: false });
    } else if (kind === "file") {
      yield* this.considerFile(target, link.rel);
    }
  }

  private async *considerFile(path: string, rel: string): AsyncGenerator<Step, void, undefined> {
    // A file left out by `include` may still be read through a link whose name matches.
    if (!this.isIncluded(rel) || this.visitedFiles.has(path)) return;
    this.visitedFiles.add(path);
    if (this.examined >= this.options.maxFiles) {
      yield { kind: "skip", rel, reason: "over_max_files" };
      return;
    }
    this.examined++;
    yield { kind: "file", path, rel };
  }

  /** The file a read gave, counted, or `undefined` when it was skipped (and counted so). */
  private handOut(rel: string, outcome: ReadOutcome): FileEntry | undefined {
    if (outcome.kind !== "text") {
      this.skip(rel, outcome.kind);
      return undefined;
    }
    this.coverage.files_read++;
    this.coverage.bytes_read += outcome.size;
    return { path: rel, size: outcome.size, encoding: this.options.encoding, text: outcome.text };
  }

  private skip(rel: string, reason: SkipReason): void {
    if (reason === "link_outside") this.coverage.skipped.excluded_links++;
    else this.coverage.skipped[reason]++;
    this.pushSkipped(rel, reason);
  }

  private pushSkipped(path: string, reason: SkipReason): void {
    if (this.coverage.skipped_files.length < MAX_SKIPPED_FILES) {
      this.coverage.skipped_files.push({ path, reason });
    }
  }

  private throwIfAborted(): void {
    const { signal } = this.options;
    if (signal.aborted) throw signal.reason;
  }
}

function matcher(globs: readonly string[]): (rel: string) => boolean {
  if (globs.length === 0) return () => false;
  // `dot: true`: `.env` files are where secrets and personal data like to hide.
  return picomatch([...globs], { dot: true });
}

/** Code-unit order: the same on every machine, whatever its locale. */
function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `target` relative to `root` with `/` separators, or `undefined` when it is outside. */
function relativeInside(root: string, target: string): string | undefined {
  const rel = relative(root, target);
  if (rel === "") return "";
  if (rel === ".." || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return undefined;
  return rel.split(sep).join("/");
}
