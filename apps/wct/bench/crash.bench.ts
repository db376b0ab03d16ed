// `pnpm bench apps/wct/bench/crash`: issue 9's crash check at its own size, through the
// built binary. A generated text tree of WCT_BENCH_CRASH_MB megabytes (default 500) is
// scanned for personal data by `wct run` once cleanly; then a second run is killed with
// SIGKILL once its streamed `code` artifact is half written (its progress line passes
// half the tree's bytes) and resumed with `--resume`. Checked, and printed:
//   - the killed run does not count `code` as completed, and holds no `code` stream
//     file (only its writer's temp file, which the resume sweeps);
//   - the resume completes, and both artifacts hold the clean run's records and closing
//     summary, compared record by record through the store's readers (the stored
//     bytes differ: their envelopes name the run and its times).
// Not a test (minutes, and half a gigabyte of disk twice over); it fails loudly, with
// exit code 1, when a check does not hold.
import { readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { createFsStore } from "@wct/store-fs";
import { generateTree } from "../../../packages/plugin-personal-data/bench/tree.js";
import { buildBinary } from "../../../test-utils/binary.js";
import { runIdFrom, startWct, tempDir, wct } from "../test/helpers.js";

const MB = Number(process.env.WCT_BENCH_CRASH_MB ?? 500);
const RUNBOOK =
  "name: crash\ndescription: scan\nartifacts:\n  code:\n    source: { type: filesystem, properties: { path: ./tree, max_files: 1000000, max_file_size: 104857600 } }\n  findings:\n    inputs: code\n    process: { type: personal_data }\n    output: true\n";

buildBinary("crash.bench");

function fail(message: string): never {
  console.error(`crash.bench: FAILED: ${message}`);
  process.exit(1);
}

/** `wct run` of scan.yaml in `dir` to its end, in `store`: the run id and seconds. */
async function runToEnd(dir: string, args: string[]): Promise<{ runId: string; s: number }> {
  const start = performance.now();
  const r = await wct(["run", "scan.yaml", ...args], { cwd: dir });
  if (r.code !== 0) fail(`wct run ${args.join(" ")} exited ${r.code}: ${r.stderr.slice(-500)}`);
  return { runId: runIdFrom(r.stderr), s: (performance.now() - start) / 1000 };
}

/** Bytes a progress line of `code` reports (`progress  code  …, 120 MB, …`), or 0. */
function progressBytes(line: string): number {
  const m = /^progress\s+code\b.*?([\d.,]+) (B|kB|MB|GB)\b/.exec(line);
  if (!m) return 0;
  const unit = { B: 1, kB: 1e3, MB: 1e6, GB: 1e9 }[m[2] as "B" | "kB" | "MB" | "GB"];
  return Number(m[1]!.replace(/,/g, "")) * unit;
}

/** Starts a run and kills it with SIGKILL once `code` passed `bytes`; its run id. */
async function killedAt(dir: string, bytes: number): Promise<{ runId: string; at: number }> {
  const run = startWct(["run", "scan.yaml", "--store", "killed"], {
    cwd: dir,
    env: { WCT_PROGRESS_INTERVAL_MS: "0" },
  });
  for (let n = 1; ; n++) {
    const lines = await run.stderrLines(n);
    if (lines.length < n) fail(`the run ended before it was killed: ${run.stderr().slice(-500)}`);
    const at = progressBytes(lines[n - 1]!);
    if (at >= bytes) {
      run.child.kill("SIGKILL");
      if ((await run.done).signal !== "SIGKILL") fail("the run ended before it was killed");
      return { runId: runIdFrom(lines.join("\n")), at };
    }
  }
}

/** Whether two stored artifacts hold the same records and closing summary. */
async function sameContent(
  a: { store: ReturnType<typeof createFsStore>; runId: string },
  b: { store: ReturnType<typeof createFsStore>; runId: string },
  key: string,
): Promise<{ records: number }> {
  const ra = await a.store.openArtifactReader(a.runId, key);
  const rb = await b.store.openArtifactReader(b.runId, key);
  try {
    const field = ra.layout?.recordsField ?? fail(`${key} is not streamed`);
    if (rb.layout?.recordsField !== field) fail(`${key}: records fields differ`);
    const ib = rb.records(field)[Symbol.asyncIterator]();
    let records = 0;
    for await (const record of ra.records(field)) {
      const other = await ib.next();
      if (other.done || JSON.stringify(other.value) !== JSON.stringify(record)) {
        fail(`${key}: record ${records} differs from the clean run's`);
      }
      records++;
    }
    if (!(await ib.next()).done) fail(`${key}: the resumed run has more records`);
    if (JSON.stringify(await ra.summary()) !== JSON.stringify(await rb.summary())) {
      fail(`${key}: the closing summaries differ`);
    }
    return { records };
  } finally {
    await ra.close();
    await rb.close();
  }
}

const dir = tempDir("wct-crash-bench-");
try {
  const { bytes } = generateTree(join(dir, "tree"), MB * 1e6, 7000 + MB);
  writeFileSync(join(dir, "scan.yaml"), RUNBOOK);
  console.log(`tree: ${(bytes / 1e6).toFixed(0)} MB`);

  const clean = await runToEnd(dir, ["--store", "clean"]);
  console.log(`clean run: ${clean.s.toFixed(1)} s`);

  const { runId, at } = await killedAt(dir, bytes / 2);
  console.log(`killed with SIGKILL at ${(at / 1e6).toFixed(0)} MB of code`);
  const state = await wct(["inspect", runId, "--json", "--store", "killed"], { cwd: dir });
  const completed = (JSON.parse(state.stdout) as { state: { completed: string[] } }).state
    .completed;
  if (completed.includes("code")) fail("the killed run counts code as completed");
  const left = readdirSync(join(dir, "killed", "runs", runId));
  if (left.some((name) => /^code\.jsonl/.test(name))) fail(`a code stream file is left: ${left}`);
  console.log(`after the kill: code not completed; the run folder holds ${left.join(", ")}`);

  const resumed = await runToEnd(dir, ["--store", "killed", "--resume", runId]);
  console.log(`resume: ${resumed.s.toFixed(1)} s`);

  const a = { store: createFsStore({ baseDir: join(dir, "clean") }), runId: clean.runId };
  const b = { store: createFsStore({ baseDir: join(dir, "killed") }), runId };
  for (const key of ["code", "findings"]) {
    const { records } = await sameContent(a, b, key);
    console.log(`${key}: ${records} records, the same as the clean run's, in order`);
  }
  console.log("crash check passed");
} finally {
  rmSync(dir, { recursive: true, force: true });
}
