import { mkdirSync, writeFileSync } from "node:fs";
import { mkdir, symlink } from "node:fs/promises";
import { dirname, join } from "node:path";
import { type ComponentLog, isStreamedContent } from "@wct/plugin-api";
import { type FileContent, filesystemConnector, filesystemProperties } from "../src/index.js";

/**
 * Writes `files` (relative path → content) under `root`, creating folders. Synchronous
 * calls: a thousand files cost a tenth of the CPU of two threadpool round trips each.
 */
export async function writeTree(
  root: string,
  files: Record<string, string | Uint8Array>,
): Promise<void> {
  const made = new Set<string>();
  for (const [rel, content] of Object.entries(files)) {
    const path = join(root, rel);
    const folder = dirname(path);
    if (!made.has(folder)) {
      mkdirSync(folder, { recursive: true });
      made.add(folder);
    }
    writeFileSync(path, content);
  }
}

/** Creates a symbolic link at `root/rel` pointing to `target` (kept as given). */
export async function link(root: string, rel: string, target: string): Promise<void> {
  await mkdir(dirname(join(root, rel)), { recursive: true });
  await symlink(target, join(root, rel));
}

export interface LogLine {
  level: keyof ComponentLog;
  message: string;
  fields?: Record<string, unknown>;
}

/** A log that keeps its lines for assertions. */
export function recordingLog(): { log: ComponentLog; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at = (level: keyof ComponentLog) => (message: string, fields?: Record<string, unknown>) => {
    lines.push({ level, message, ...(fields ? { fields } : {}) });
  };
  return {
    lines,
    log: { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") },
  };
}

/** Runs the connector as the executor would: properties validated, defaults applied. */
export async function extract(
  properties: Record<string, unknown>,
  options: { baseDir: string; signal?: AbortSignal; log?: ComponentLog },
): Promise<FileContent> {
  const parsed = filesystemProperties.parse(properties);
  const out = await filesystemConnector.extract({
    properties: parsed,
    signal: options.signal ?? new AbortController().signal,
    log: options.log ?? recordingLog().log,
    artifactId: "code",
    runId: "run-1",
    baseDir: options.baseDir,
  });
  return materialise(out) as Promise<FileContent>;
}

/** The content as a reader gets it back: streamed records gathered under their field. */
export async function materialise(out: unknown): Promise<unknown> {
  if (!isStreamedContent(out)) return out;
  const records: unknown[] = [];
  for await (const record of out.records) records.push(record);
  return { ...out.head, [out.recordsField]: records, ...(await out.summary()) };
}

/** Paths of the files read, in the order they were reported. */
export function paths(content: FileContent): string[] {
  return content.files.map((file) => file.path);
}
