// `pnpm bench runs.bench`: looking after many runs, through the built binary.
//   1. `wct runs` (table and --json) over 5,000 stored runs, against `wct --version`
//      (process start) — target: each under 1 s;
//   2. `wct runs prune --keep-last 4000` (dry run: lists 1,000 runs with sizes) over
//      the same 5,000 runs — target: under 1 s;
//   in process: `listRunRecords` (a finished run listed from its run.json alone: counts
//      and size from the `listing` its closing wrote; run.json and half-deleted runs
//      both found in the one listing pass, `scanRunsReading`) against reading every run's two records without sizes (listRuns +
//      readRunInfo, 64 at a time); and over runs written before sizes and listings were
//      recorded (both records read, sized key by key: a listing and a stat per key);
//   3. `wct runs prune --keep-last 4000 --yes`: deleting 1,000 runs (runs/s), against
//      removing 1,000 equal run folders with a plain recursive rm (the floor).
// Each figure of the binary comes with its CPU time (user + system, from /proc on Linux):
// on a busy machine the wall time measures the load as much as wct.
// Runs are written in the fs store's layout (apps/wct/test/stored-runs.ts): 3 artifacts
// of ~1 KB each, plus plan.json, run.json and state.json. Everything lives in a mkdtemp folder
// removed afterwards; nothing fails on timing.
import { execFileSync, spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { listRunRecords, readRunInfo } from "@wct/executor";
import { createFsStore } from "@wct/store-fs";
import { daysAgo, writeRuns } from "../test/stored-runs.js";

const RUNS = 5000;
const PRUNED = 1000;
const TARGET_MS = 1000;
const REPO = fileURLToPath(new URL("../../../", import.meta.url));
const BIN = join(REPO, "apps/wct/bin/wct.js");

execFileSync("pnpm", ["build"], {
  cwd: REPO,
  stdio: ["ignore", "ignore", "inherit"],
  env: { ...process.env, TURBO_TELEMETRY_DISABLED: "1" },
});

// CPU time of waited-for children (user + system), from /proc: on a loaded machine the
// wall time of a child says more about the load than about wct; its CPU time does not.
// Linux only (undefined elsewhere); clock ticks of 10 ms.
function childrenCpuMs(): number | undefined {
  try {
    const stat = readFileSync("/proc/self/stat", "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[13]) + Number(fields[14])) * 10;
  } catch {
    return undefined;
  }
}

const childCpu = new Map<string, number[]>();

function wct(args: string[], cwd: string, label = args.join(" ")): number {
  const cpuBefore = childrenCpuMs();
  const start = performance.now();
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd,
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, WCT_DEBUG: undefined, WCT_STORE: undefined },
  });
  const elapsed = performance.now() - start;
  if (r.status !== 0) throw new Error(`wct ${args.join(" ")} exited ${r.status}: ${r.stderr}`);
  const cpuAfter = childrenCpuMs();
  if (cpuBefore !== undefined && cpuAfter !== undefined) {
    childCpu.set(label, [...(childCpu.get(label) ?? []), cpuAfter - cpuBefore]);
  }
  return elapsed;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const medianOf = (n: number, fn: () => number) => median(Array.from({ length: n }, fn));

const dir = mkdtempSync(join(tmpdir(), "wct-bench-runs-"));
try {
  const store = join(dir, ".waivern");
  writeRuns(
    store,
    Array.from({ length: RUNS }, (_, i) => ({ startedAt: daysAgo(i / 24), payloadBytes: 1000 })),
  );
  const fsStore = createFsStore({ baseDir: store });
  const legacyDir = join(dir, "legacy");
  writeRuns(
    legacyDir,
    Array.from({ length: RUNS }, (_, i) => ({
      startedAt: daysAgo(i / 24),
      payloadBytes: 1000,
      legacy: true,
    })),
  );
  const legacyStore = createFsStore({ baseDir: legacyDir });
  // CPU time (all threads of this process) beside the wall time: on a loaded machine
  // it is the figure that can be compared from one measurement to the next.
  const cpu = new Map<string, number[]>();
  const timeAsync = async (fn: () => Promise<unknown>, label?: string) => {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await fn();
    const elapsed = performance.now() - t0;
    const used = process.cpuUsage(c0);
    if (label !== undefined) {
      cpu.set(label, [...(cpu.get(label) ?? []), (used.user + used.system) / 1000]);
    }
    return elapsed;
  };
  const withoutSizes = async () => {
    const ids = await fsStore.listRuns();
    for (let i = 0; i < ids.length; i += 64) {
      await Promise.all(ids.slice(i, i + 64).map((id) => readRunInfo(fsStore, id)));
    }
  };
  await withoutSizes();
  const bare: number[] = [];
  const sized: number[] = [];
  const legacy: number[] = [];
  for (let i = 0; i < 3; i++) {
    bare.push(await timeAsync(withoutSizes, "bare"));
    sized.push(await timeAsync(() => listRunRecords(fsStore), "sized"));
    legacy.push(await timeAsync(() => listRunRecords(legacyStore), "legacy"));
  }
  const emptyDir = join(dir, "empty");
  mkdirSync(emptyDir);
  const startEmpty = medianOf(3, () => wct(["runs"], emptyDir, "runs (empty)"));
  const start = medianOf(3, () => wct(["--version"], dir));
  const list = medianOf(3, () => wct(["runs"], dir));
  const listJson = medianOf(3, () => wct(["runs", "--json"], dir));
  const dry = medianOf(3, () => wct(["runs", "prune", "--keep-last", String(RUNS - PRUNED)], dir));

  // Floor: the same 1,000 run folders removed by a plain recursive rm.
  const runsDir = join(store, "runs");
  const copies = join(dir, "copies");
  const oldest = readdirSync(runsDir).sort().slice(0, PRUNED);
  for (const id of oldest) cpSync(join(runsDir, id), join(copies, id), { recursive: true });
  const rmStart = performance.now();
  for (const id of oldest) rmSync(join(copies, id), { recursive: true, force: true });
  const rmMs = performance.now() - rmStart;

  const pruneMs = wct(["runs", "prune", "--keep-last", String(RUNS - PRUNED), "--yes"], dir);
  const left = readdirSync(runsDir).filter((n) => !n.startsWith(".")).length;
  if (left !== RUNS - PRUNED) throw new Error(`prune left ${left} runs, expected ${RUNS - PRUNED}`);

  const row = (what: string, t: number, note: string) =>
    console.log(`| ${what.padEnd(44)} | ${`${t.toFixed(0)} ms`.padStart(9)} | ${note}`);
  const cpuOf = (label: string) => median(cpu.get(label) ?? [0]);
  console.log(`${RUNS} stored runs (fs store), medians of 3 runs of the binary`);
  row(
    "in process: records without sizes (baseline)",
    median(bare),
    `CPU ${cpuOf("bare").toFixed(0)} ms`,
  );
  row(
    "in process: listRunRecords (recorded sizes)",
    median(sized),
    `${(median(sized) / median(bare)).toFixed(1)}× without sizes; CPU ${cpuOf("sized").toFixed(0)} ms (${(cpuOf("sized") / cpuOf("bare")).toFixed(1)}×)`,
  );
  row(
    "in process: listRunRecords (older runs, no record)",
    median(legacy),
    `${(median(legacy) / median(bare)).toFixed(1)}× without sizes; CPU ${cpuOf("legacy").toFixed(0)} ms (${(cpuOf("legacy") / cpuOf("bare")).toFixed(1)}×)`,
  );
  const dryArgs = `runs prune --keep-last ${RUNS - PRUNED}`;
  const cpuNote = (label: string) => {
    const used = childCpu.get(label);
    return used === undefined ? "" : `; CPU ${median(used).toFixed(0)} ms`;
  };
  row("wct --version (process start, baseline)", start, cpuNote("--version").slice(2));
  row(
    "wct runs on an empty store",
    startEmpty,
    `${(startEmpty / start).toFixed(1)}× start${cpuNote("runs (empty)")}`,
  );
  const targetNote = (t: number, label: string) =>
    `${(t / start).toFixed(1)}× start; target < ${TARGET_MS} ms: ${t < TARGET_MS ? "met" : "NOT met"}${cpuNote(label)}`;
  row("wct runs", list, targetNote(list, "runs"));
  row("wct runs --json", listJson, targetNote(listJson, "runs --json"));
  row(`wct ${dryArgs} (dry run)`, dry, targetNote(dry, dryArgs));
  row(
    `rm -r of ${PRUNED} run folders (floor)`,
    rmMs,
    `${((PRUNED / rmMs) * 1000).toFixed(0)} runs/s`,
  );
  row(
    `wct runs prune --yes (${PRUNED} runs deleted)`,
    pruneMs,
    `${((PRUNED / pruneMs) * 1000).toFixed(0)} runs/s; ${(pruneMs / rmMs).toFixed(1)}× the floor (includes listing ${RUNS} runs)${cpuNote(`${dryArgs} --yes`)}`,
  );
} finally {
  if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
}
