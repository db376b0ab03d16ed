import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import { defineConnector, SourceError, SourceErrorCode, streamContent } from "@wct/plugin-api";
import { filesystemProperties } from "./properties.js";
import { streamPath } from "./scan.js";
import type { FileEntry } from "./types.js";

/**
 * Reads the text files of a folder into a `file_content/1.0.0` artifact, streamed one
 * file per record (`{root}`, then `files`, then `{coverage}`).
 */
export const filesystemConnector = defineConnector({
  type: "filesystem",
  description:
    "Reads the text files under a folder (globs, size and count limits, binary files and links leaving the folder skipped) into file_content/1.0.0.",
  outputSchema: { name: "file_content", version: "1.0.0" },
  properties: filesystemProperties,
  async extract({ properties, baseDir, signal, log, progress }) {
    if (signal.aborted) throw signal.reason;
    const rootPath = resolve(baseDir, properties.path);
    await checkRoot(rootPath, properties.path);
    const scan = streamPath({
      rootPath,
      include: properties.include,
      exclude: properties.exclude,
      maxFiles: properties.max_files,
      maxFileSize: properties.max_file_size,
      encoding: properties.encoding,
      signal,
    });
    const { coverage } = scan;
    // One file at a time: the engine stores each before the next is read.
    async function* files(): AsyncGenerator<FileEntry, void, undefined> {
      try {
        for await (const file of scan.files) {
          yield file;
          progress?.({ items: coverage.files_read, bytes: coverage.bytes_read, unit: "files" });
        }
      } catch (error) {
        if (signal.aborted) throw signal.reason;
        if (error instanceof SourceError) throw error;
        throw new SourceError(
          SourceErrorCode.Unreadable,
          `Cannot read the folder ${rootPath} (source path "${properties.path}"): ${messageOf(error)}. Check its permissions.`,
          { cause: error },
        );
      }
    }
    return streamContent({
      recordsField: "files",
      head: { root: properties.path },
      records: files(),
      summary: () => {
        const { skipped } = coverage;
        log.info(
          `read ${coverage.files_read} files (${coverage.bytes_read} bytes) from ${rootPath}; skipped ${skipped.binary} binary, ${skipped.too_large} too large, ${skipped.unreadable} unreadable, ${skipped.excluded_links} links leaving the folder, ${skipped.over_max_files} over max_files`,
          {
            root: rootPath,
            files_read: coverage.files_read,
            bytes_read: coverage.bytes_read,
            skipped,
          },
        );
        if (skipped.over_max_files > 0) {
          log.warn(
            `max_files (${properties.max_files}) reached: ${skipped.over_max_files} matching files were not read; raise max_files or narrow include to scan them`,
          );
        }
        return { coverage };
      },
    });
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
