import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { brotliDecompressSync, gunzipSync } from "node:zlib";

/** The built binary the e2e tests drive (the e2e project builds it first). */
export const WCT_BIN = fileURLToPath(new URL("../bin/wct.js", import.meta.url));
export const TEST_PLUGIN = fileURLToPath(new URL("./fixtures/test-plugin.mjs", import.meta.url));
export const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

export interface WctResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface WctProcess {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves when the process exits. */
  done: Promise<WctResult>;
  /** Resolves when stderr has at least `n` lines (or the process ended first). */
  stderrLines(n: number): Promise<string[]>;
}

/** Starts `wct` with the args; the environment is the test's plus `env`. */
export function startWct(
  args: string[],
  options: { cwd: string; env?: Record<string, string | undefined> },
): WctProcess {
  const child = spawn(process.execPath, [WCT_BIN, ...args], {
    cwd: options.cwd,
    env: { ...process.env, WCT_DEBUG: undefined, WCT_STORE: undefined, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  const waiters: Array<() => void> = [];
  child.stdout?.on("data", (d) => {
    stdout += d;
  });
  child.stderr?.on("data", (d) => {
    stderr += d;
    for (const w of waiters.splice(0)) w();
  });
  // Set before the waiters run at close: one waiting for more lines than the process
  // printed must then resolve, not wait for output that never comes.
  let ended = false;
  const done = new Promise<WctResult>((resolve) => {
    child.on("close", (code, signal) => {
      ended = true;
      for (const w of waiters.splice(0)) w();
      resolve({ code, signal, stdout, stderr });
    });
  });
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    done,
    stderrLines(n) {
      return new Promise((resolve) => {
        const check = () => {
          const lines = stderr.split("\n").filter(Boolean);
          if (lines.length >= n || ended) resolve(lines);
          else waiters.push(check);
        };
        check();
      });
    },
  };
}

/** Runs `wct` to completion. */
export function wct(
  args: string[],
  options: { cwd: string; env?: Record<string, string | undefined> },
): Promise<WctResult> {
  return startWct(args, options).done;
}

/** A fresh temporary folder; remove it with `rmSync(dir, {recursive: true})`. */
export function tempDir(prefix = "wct-e2e-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Waits until `file` exists (checked on the filesystem, bounded by the test timeout). */
export async function waitForFile(file: string): Promise<void> {
  while (!existsSync(file)) await new Promise((r) => setTimeout(r, 10));
}

/** The run id printed by `wct run` on stderr (`run <id> started`). */
export function runIdFrom(stderr: string): string {
  const match = /run ([0-9a-f-]{36}) started/.exec(stderr) ?? /run ([0-9a-f-]{36})/.exec(stderr);
  if (!match?.[1]) throw new Error(`no run id in: ${stderr}`);
  return match[1];
}

/** Lines of the invocation trace written by the test plugin. */
export function invocations(traceDir: string): string[] {
  const file = join(traceDir, "invocations.log");
  return existsSync(file) ? readFileSync(file, "utf8").split("\n").filter(Boolean) : [];
}

/** Every file below `dir`, recursively. */
export function filesBelow(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...filesBelow(path));
    else out.push(path);
  }
  return out;
}

/**
 * Reads a run's artifact Message from the default fs store layout: `<id>.json`, or a
 * streamed `<id>.jsonl.br` (`.jsonl.gz` for a run stored with gzip; header with envelope
 * and layout, records, trailer with the summary) materialised as `get` would.
 */
export function readArtifact(storeDir: string, runId: string, id: string): Record<string, unknown> {
  const plain = join(storeDir, "runs", runId, `${id}.json`);
  if (existsSync(plain)) return JSON.parse(readFileSync(plain, "utf8"));
  const streamed = join(storeDir, "runs", runId, `${id}.jsonl`);
  const text = (
    existsSync(`${streamed}.br`)
      ? brotliDecompressSync(readFileSync(`${streamed}.br`))
      : gunzipSync(readFileSync(`${streamed}.gz`))
  ).toString("utf8");
  const lines = text.split("\n").filter(Boolean);
  const header = JSON.parse(lines[0]!);
  const trailer = JSON.parse(lines.at(-1)!);
  const records = lines.slice(1, -1).map((line) => JSON.parse(line));
  return {
    ...header.envelope,
    content: { ...header.layout.head, [header.layout.records_field]: records, ...trailer.summary },
    // The final execution, known only at commit, travels in the trailer.
    ...(trailer.execution === undefined ? {} : { execution: trailer.execution }),
  };
}

/** Where the fs store keeps a run's system file `name` (`run.json`, `lock.json`, ...). */
export function systemFile(storeDir: string, runId: string, name: string): string {
  return join(storeDir, "runs", runId, "_system", name);
}

export function readRunJson(storeDir: string, runId: string): Record<string, unknown> {
  return JSON.parse(readFileSync(systemFile(storeDir, runId, "run.json"), "utf8"));
}

/** A stack trace's frame lines: what a user must never see without WCT_DEBUG=1. */
export const NO_STACK = /\n\s+at /;
