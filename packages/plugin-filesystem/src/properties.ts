import { z } from "zod";

/** Excluded when `exclude` is not given: dependency and version-control folders. */
export const DEFAULT_EXCLUDE: readonly string[] = [
  "**/node_modules/**",
  "**/.git/**",
  "**/.hg/**",
  "**/.svn/**",
  "**/__pycache__/**",
];

/** Encodings text files can be decoded with. */
export const SUPPORTED_ENCODINGS = ["utf-8", "latin1", "utf-16le"] as const;

/** Properties of the `filesystem` connector (`source.properties`). */
export const filesystemProperties = z.strictObject({
  /** File or folder to read; relative paths resolve against the runbook's folder. */
  path: z.string().min(1, "path must name a file or folder"),
  /** Globs (relative to `path`) a file must match to be read. */
  include: z.array(z.string().min(1)).min(1).default(["**/*"]),
  /** Globs of files and folders to leave out; replaces the default list when given. */
  exclude: z.array(z.string().min(1)).default([...DEFAULT_EXCLUDE]),
  /** Most files examined; further matching files are counted `over_max_files`. */
  max_files: z.number().int().positive().default(10_000),
  /** Files larger than this (bytes) are counted `too_large` without being read. */
  max_file_size: z
    .number()
    .int()
    .positive()
    .default(10 * 1024 * 1024),
  encoding: z.enum(SUPPORTED_ENCODINGS).default("utf-8"),
});

/** Validated properties of the `filesystem` connector, defaults applied. */
export type FilesystemProperties = z.output<typeof filesystemProperties>;
