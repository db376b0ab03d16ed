/** Why a file was left out of `files`. */
export type SkipReason = "binary" | "too_large" | "unreadable" | "link_outside" | "over_max_files";

/** One text file that was read. */
export interface FileEntry {
  /** Relative to the scanned root, `/`-separated. */
  path: string;
  /** Size on disk, in bytes. */
  size: number;
  /** Encoding the text was decoded with. */
  encoding: string;
  text: string;
}

/** What was read and what was left out, so that "no findings" can be trusted. */
export interface FileCoverage {
  files_read: number;
  bytes_read: number;
  skipped: {
    binary: number;
    too_large: number;
    unreadable: number;
    excluded_links: number;
    over_max_files: number;
  };
  /** The first {@link MAX_SKIPPED_FILES} skipped files; the counts above are complete. */
  skipped_files: Array<{ path: string; reason: SkipReason }>;
}

/** Content of a `file_content/1.0.0` artifact. */
export interface FileContent {
  /** The `path` property as given in the runbook. */
  root: string;
  files: FileEntry[];
  coverage: FileCoverage;
}

/** Upper bound of `coverage.skipped_files`, so a huge tree cannot bloat the artifact. */
export const MAX_SKIPPED_FILES = 1000;
