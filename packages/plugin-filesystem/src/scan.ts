import type { Dirent } from "node:fs";
import { readdir, realpath, stat } from "node:fs/promises";
import { basename, isAbsolute, join, relative, sep } from "node:path";
import picomatch from "picomatch";
import { readTextFile } from "./read-file.js";
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
}

/** The files read and the coverage of a scan. */
export interface ScanResult {
  files: FileEntry[];
  coverage: FileCoverage;
}

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
 * The same scan, one file at a time: each file is read when the next is pulled, so
 * memory holds one file's text. `coverage` is complete once the iteration has ended.
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

  async *run(): AsyncGenerator<FileEntry, void, undefined> {
    const { rootPath } = this.options;
    this.realRoot = await realpath(rootPath);
    const root = await stat(this.realRoot);
    if (!root.isDirectory()) {
      // A single file is read whatever the globs say: naming it is explicit enough.
      this.visitedFiles.add(this.realRoot);
      yield* this.readFile(this.realRoot, basename(rootPath));
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
  ): AsyncGenerator<FileEntry, void, undefined> {
    this.throwIfAborted();
    let entries: Dirent[];
    try {
      entries = await readdir(folder, { withFileTypes: true });
    } catch (error) {
      if (isRoot) throw error;
      this.skip(rel, "unreadable");
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

  private async *followLink(link: PendingLink): AsyncGenerator<FileEntry, void, undefined> {
    this.throwIfAborted();
    let target: string;
    try {
      target = await realpath(link.path);
    } catch {
      this.skip(link.rel, "unreadable");
      return;
    }
    const targetRel = relativeInside(this.realRoot, target);
    if (targetRel === undefined) {
      this.coverage.skipped.excluded_links++;
      this.pushSkipped(link.rel, "link_outside");
      return;
    }
    if (targetRel !== "" && this.isExcluded(targetRel)) return;
    let kind: "folder" | "file" | "other";
    try {
      const found = await stat(target);
      kind = found.isDirectory() ? "folder" : found.isFile() ? "file" : "other";
    } catch {
      this.skip(link.rel, "unreadable");
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

  private async *considerFile(
    path: string,
    rel: string,
  ): AsyncGenerator<FileEntry, void, undefined> {
    // A file left out by `include` may still be read through a link whose name matches.
    if (!this.isIncluded(rel) || this.visitedFiles.has(path)) return;
    this.visitedFiles.add(path);
    if (this.examined >= this.options.maxFiles) {
      this.skip(rel, "over_max_files");
      return;
    }
    this.examined++;
    yield* this.readFile(path, rel);
  }

  private async *readFile(path: string, rel: string): AsyncGenerator<FileEntry, void, undefined> {
    this.throwIfAborted();
    const { maxFileSize, encoding } = this.options;
    const outcome = await readTextFile(path, maxFileSize, encoding);
    if (outcome.kind === "text") {
      this.coverage.files_read++;
      this.coverage.bytes_read += outcome.size;
      yield { path: rel, size: outcome.size, encoding, text: outcome.text };
    } else {
      this.skip(rel, outcome.kind);
    }
  }

  private skip(rel: string, reason: Exclude<SkipReason, "link_outside">): void {
    this.coverage.skipped[reason]++;
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
