// Files as the personal_data processor scans them on this thread, and the coverage of a
// file input. (A scanning thread drafts a file's findings with `file-scan.ts`.)
import { formatSchemaRef, type InputMessage, type SchemaRef } from "@wct/plugin-api";
import { scanText } from "./engine.js";
import {
  byCodePoint,
  checkpoint,
  emitMatches,
  isObject,
  type ScanContext,
} from "./scan-context.js";
import type { InputCoverage } from "./types.js";

/** A file record: its path and text. */
export interface FileEntry {
  path: string;
  text: string;
}

/** Scans one file here and admits its findings; returns its UTF-8 bytes. */
export async function scanFile(ctx: ScanContext, file: FileEntry): Promise<number> {
  await checkpoint(ctx);
  const matches = scanText(file.text, {
    ruleSet: ctx.ruleSet,
    minConfidence: ctx.props.min_confidence,
    path: file.path,
  });
  emitMatches(ctx, file.text, matches, (match, lines) => ({
    kind: "file",
    path: file.path,
    ...lines.position(match.start),
  }));
  return Buffer.byteLength(file.text, "utf8");
}

/** Whether `f` is a file record. */
export const isFile = (f: unknown): f is FileEntry =>
  isObject(f) && typeof f.path === "string" && typeof f.text === "string";

/** The coverage entry of one file input. */
export function fileCoverage(
  input: { id: string; schema: SchemaRef },
  coverage: unknown,
  files: number,
  bytes: number,
): InputCoverage {
  const known = isObject(coverage) ? coverage : {};
  const entry: InputCoverage = {
    id: input.id,
    schema: formatSchemaRef(input.schema),
    files_scanned: files,
    bytes_scanned: bytes,
    skipped: countsOf(known.skipped),
  };
  if (Array.isArray(known.skipped_files)) {
    entry.skipped_files = known.skipped_files.filter(isObject).map((f) => ({
      path: String(f.path),
      reason: String(f.reason),
    }));
  }
  return entry;
}

/** A `file_content` input held whole: its files by path. */
export async function scanFiles(
  ctx: ScanContext,
  input: InputMessage,
  content: Record<string, unknown>,
) {
  const files = (content.files as unknown[]).filter(isFile);
  files.sort((a, b) => byCodePoint(a.path, b.path));
  let bytes = 0;
  for (const file of files) bytes += await scanFile(ctx, file);
  return fileCoverage(input, content.coverage, files.length, bytes);
}

/** The numeric fields of `value` (a connector's counts). */
function countsOf(value: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  if (!isObject(value)) return out;
  for (const [k, v] of Object.entries(value)) if (typeof v === "number") out[k] = v;
  return out;
}
