import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import { defineConnector } from "@wct/plugin-api";
import { SourceError, SourceErrorCode } from "./errors.js";
import { filesystemProperties } from "./properties.js";
import { scanPath } from "./scan.js";
import type { FileContent } from "./types.js";

/** Reads the text files of a folder into a `file_content/1.0.0` artifact. */
export const filesystemConnector = defineConnector({
  type: "filesystem",
  description:
    "Reads the text files under a folder (globs, size and count limits, binary files and links leaving the folder skipped) into file_content/1.0.0.",
  outputSchema: { name: "file_content", version: "1.0.0" },
  properties: filesystemProperties,
  async extract({ properties, baseDir, signal, log }): Promise<FileContent> {
    if (signal.aborted) throw signal.reason;
    const rootPath = resolve(baseDir, properties.path);
    await checkRoot(rootPath, properties.path);
    let scanned: Awaited<ReturnType<typeof scanPath>>;
    try {
      scanned = await scanPath({
        rootPath,
        include: properties.include,
        exclude: properties.exclude,
        maxFiles: properties.max_files,
        maxFileSize: properties.max_file_size,
        encoding: properties.encoding,
        signal,
      });
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      throw new SourceError(
        SourceErrorCode.Unreadable,
        `Cannot read the folder ${rootPath} (source path "${properties.path}"): ${messageOf(error)}. Check its permissions.`,
        { cause: error },
      );
    }
    const { coverage } = scanned;
    const { skipped } = coverage;
    log.info(
      `read ${coverage.files_read} files (${coverage.bytes_read} bytes) from ${rootPath}; skipped ${skipped.binary} binary, ${skipped.too_large} too large, ${skipped.unreadable} unreadable, ${skipped.excluded_links} links leaving the folder, ${skipped.over_max_files} over max_files`,
      { root: rootPath, files_read: coverage.files_read, bytes_read: coverage.bytes_read, skipped },
    );
    if (skipped.over_max_files > 0) {
      log.warn(
        `max_files (${properties.max_files}) reached: ${skipped.over_max_files} matching files were not read; raise max_files or narrow include to scan them`,
      );
    }
    return { root: properties.path, files: scanned.files, coverage };
  },
});

async function checkRoot(rootPath: string, given: string): Promise<void> {
  try {
    await stat(rootPath);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") {
      throw new SourceError(
        SourceErrorCode.NotFound,
        `The folder to scan does not exist: ${rootPath} (source path "${given}", resolved against the runbook's folder). Fix "path" in the runbook or create the folder.`,
        { cause: error },
      );
    }
    throw new SourceError(
      SourceErrorCode.Unreadable,
      `Cannot read ${rootPath} (source path "${given}"): ${messageOf(error)}. Check its permissions.`,
      { cause: error },
    );
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
