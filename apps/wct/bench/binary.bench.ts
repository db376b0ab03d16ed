// `pnpm bench binary`: the real product, through the built binary (apps/wct/bin/wct.js)
// run as a child process, each figure next to a baseline measured in the same run:
//   1. a personal-data scan of generated 50 MB and 100 MB trees, end to end (MB/s, peak
//      RSS of the child, stored artifact sizes) against the engine alone (read → scan →
//      drop, as in plugin-personal-data's scan.bench.ts, the built package) and a plain read;
//   2. `wct runs --json` over 1,000 stored runs against `wct --version` (process start);
//   3. `wct run --resume` of a completed 10,000-artifact run against `wct validate` of
//      the same runbook (planning alone): the difference is the time to decide there is
//      nothing to do.
// Everything lives in a mkdtemp folder removed afterwards. Figures are printed next to
// the targets; nothing fails on timing.
import { spawnSync } from "node:child_process";
import {
  closeSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import { planRunbook, runPlan } from "@wct/executor";
import { createFsStore } from "@wct/store-fs";
import { generateTree } from "../../../packages/plugin-personal-data/bench/tree.js";
import {
  WCT_BIN as BIN,
  buildBinary,
  WCT_DIST_MAIN as DIST_MAIN,
} from "../../../test-utils/binary.js";
import { builtPersonalData } from "./engine.js";

const TARGET_MB_S = 50;
const TARGET_RSS_MB = 300;
const TARGET_LIST_MS = 1000;
const TARGET_DECIDE_MS = 1000;

const mb = (bytes: number) => bytes / 1e6;
const fmt = (n: number, digits = 1) => n.toFixed(digits);
const ms = (t: number) => `${t.toFixed(0)} ms`;
const verdict = (ok: boolean) => (ok ? "met" : "NOT met");
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function table(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
  console.log(line(header));
  console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
  for (const r of rows) console.log(line(r));
}

interface Child {
  ms: number;
  stdout: string;
}

/**
 * Runs `node <args>` in `cwd` to completion; throws on a non-zero exit. Stdout goes to a
 * file, not a pipe: the binary exits (`process.exit`) before a pipe has drained, which
 * cuts large `--json` outputs short (see `pipedBytes`).
 */
function node(args: string[], cwd: string, env: Record<string, string> = {}): Child {
  const outFile = join(cwd, "stdout.txt");
  const out = openSync(outFile, "w");
  const start = performance.now();
  let r: ReturnType<typeof spawnSync>;
  try {
    r = spawnSync(process.execPath, args, {
      cwd,
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
      stdio: ["ignore", out, "pipe"],
      env: { ...process.env, WCT_DEBUG: undefined, WCT_STORE: undefined, ...env },
    });
  } finally {
    closeSync(out);
  }
  const elapsed = performance.now() - start;
  if (r.status !== 0) {
    throw new Error(
      `\`node ${args.join(" ")}\` exited ${r.status ?? r.signal}: ${String(r.stderr).trim().slice(-2000)}`,
    );
  }
  return { ms: elapsed, stdout: readFileSync(outFile, "utf8") };
}

/** How many bytes of stdout arrive through a pipe (what `| jq` would see). */
function pipedBytes(args: string[], cwd: string): number {
  const r = spawnSync(process.execPath, args, {
    cwd,
    maxBuffer: 64 * 1024 * 1024,
    stdio: ["ignore", "pipe", "ignore"],
  });
  return r.stdout.length;
}

const wct = (args: string[], cwd: string) => node([BIN, ...args], cwd);

function medianOf(times: number, fn: () => Child): number {
  return median(Array.from({ length: times }, () => fn().ms));
}

// ---------------------------------------------------------------- 1. scan end to end

// Same entry as bin/wct.js, plus what the shim cannot report: the child's own peak RSS
// (getrusage) and, sampled every 10 ms, peak V8 heap and off-heap buffers.
const LAUNCHER = `import { writeFileSync } from "node:fs";
import { runWct } from ${JSON.stringify(pathToFileURL(DIST_MAIN).href)};
const argv = process.argv.slice(process.argv.indexOf("--") + 1);
const peak = { heap_used: 0, external: 0, array_buffers: 0 };
const sample = () => {
  const m = process.memoryUsage();
  peak.heap_used = Math.max(peak.heap_used, m.heapUsed);
  peak.external = Math.max(peak.external, m.external);
  peak.array_buffers = Math.max(peak.array_buffers, m.arrayBuffers);
};
const timer = setInterval(sample, 10);
timer.unref();
const code = await runWct(argv);
sample();
writeFileSync(process.env.WCT_BENCH_USAGE, JSON.stringify({ code, max_rss_kb: process.resourceUsage().maxRSS, ...peak }));
process.exit(code);
`;

interface Usage {
  code: number;
  max_rss_kb: number;
  heap_used: number;
  external: number;
  array_buffers: number;
}

async function enginePass(files: string[], scan: boolean) {
  globalThis.gc?.();
  let findings = 0;
  const start = performance.now();
  for (const file of files) {
    const text = await readFile(file, "utf8");
    if (scan) findings += scanText(text, { ruleSet: builtinRuleSet(), path: file }).length;
  }
  return { seconds: (performance.now() - start) / 1000, findings };
}

interface ScanRow {
  label: string;
  files: number;
  mb: number;
  readMbS: number;
  engineMbS: number;
  engineFindings: number;
  wctMbS: number;
  wctSeconds: number;
  wctFindings: number;
  usage: Usage;
  codeMb: number;
  findingsMb: number;
}

async function scanTree(base: string, label: string, sizeMb: number, seed: number) {
  const dir = mkdtempSync(join(base, "scan-"));
  try {
    const { files, bytes } = generateTree(join(dir, "tree"), sizeMb * 1e6, seed);
    writeFileSync(
      join(dir, "scan.yaml"),
      [
        `name: bench scan ${label}`,
        "description: personal-data scan of a generated tree",
        "artifacts:",
        "  code:",
        "    source: { type: filesystem, properties: { path: ./tree, max_files: 100000, max_file_size: 104857600 } }",
        "  findings:",
        "    inputs: code",
        "    process: { type: personal_data }",
        "    output: true",
        "",
      ].join("\n"),
    );
    writeFileSync(join(dir, "launcher.mjs"), LAUNCHER);

    await enginePass(files.slice(0, 20), true); // warm-up: JIT and regex compilation
    const read = await enginePass(files, false);
    const engine = await enginePass(files, true);

    const store = join(dir, "store");
    const usageFile = join(dir, "usage.json");
    const run = node(
      ["--expose-gc", "launcher.mjs", "--", "run", "scan.yaml", "--quiet", "--store", store],
      dir,
      { WCT_BENCH_USAGE: usageFile },
    );
    const usage = JSON.parse(readFileSync(usageFile, "utf8")) as Usage;
    const [runId] = readdirSync(join(store, "runs"));
    if (runId === undefined) throw new Error("wct run stored no run");
    // Through the store: a large artifact is streamed (`code.jsonl.br`), not `code.json`.
    const stored = createFsStore({ baseDir: store });
    const findings = (await stored.get(runId, "findings")).content as { findings: unknown[] };
    const sizeOf = async (key: string) => mb((await stored.size(runId, key)) ?? Number.NaN);
    return {
      label,
      files: files.length,
      mb: mb(bytes),
      readMbS: mb(bytes) / read.seconds,
      engineMbS: mb(bytes) / engine.seconds,
      engineFindings: engine.findings,
      wctMbS: mb(bytes) / (run.ms / 1000),
      wctSeconds: run.ms / 1000,
      wctFindings: findings.findings.length,
      usage,
      codeMb: await sizeOf("code"),
      findingsMb: await sizeOf("findings"),
    } satisfies ScanRow;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- 2 and 3: tiny plugin

// A plain-object plugin (no wct imports), as a third party would write it.
const PLUGIN = `const NUMBERS = { name: "numbers", version: "1.0.0" };
export default {
  name: "bench",
  connectors: [
    { type: "one", description: "Emits [1].", outputSchema: NUMBERS, async extract() { return [1]; } },
  ],
  processors: [
    {
      type: "pass",
      description: "Passes its input on.",
      inputSchemas: [[NUMBERS]],
      outputSchema: NUMBERS,
      async process({ inputs }) { return inputs[0].content; },
    },
  ],
};
`;

function runbook(name: string, sources: number, chain: number): string {
  const lines = [
    `name: ${name}`,
    "description: benchmark",
    "plugins: [./plugin.mjs]",
    "artifacts:",
  ];
  for (let s = 0; s < sources; s++) {
    lines.push(`  s${s}: { source: { type: one } }`);
    for (let c = 1; c <= chain; c++) {
      const input = c === 1 ? `s${s}` : `s${s}_${c - 1}`;
      lines.push(`  s${s}_${c}: { inputs: ${input}, process: { type: pass } }`);
    }
  }
  return `${lines.join("\n")}\n`;
}

async function listRuns(base: string) {
  const dir = mkdtempSync(join(base, "runs-"));
  writeFileSync(join(dir, "plugin.mjs"), PLUGIN);
  writeFileSync(join(dir, "tiny.yaml"), runbook("tiny", 1, 2));
  const storeDir = join(dir, "store");
  const { plan, registry } = await planRunbook(join(dir, "tiny.yaml"), { cwd: dir });
  const store = createFsStore({ baseDir: storeDir });
  const createStart = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < 1000) {
        next++;
        const summary = await runPlan(plan, { store, registry, runbookPath: "tiny.yaml" });
        if (summary.status !== "completed") throw new Error(`setup run ${summary.status}`);
      }
    }),
  );
  const createMs = performance.now() - createStart;
  await store.close();

  const listing = wct(["runs", "--json", "--store", storeDir], dir).stdout;
  const listed = JSON.parse(listing) as unknown[];
  if (listed.length !== 1000) throw new Error(`wct runs listed ${listed.length} runs, not 1000`);
  // The cut-off is a race with the reader, so look at the worst of a few tries.
  const piped = Math.min(
    ...[1, 2, 3].map(() => pipedBytes([BIN, "runs", "--json", "--store", storeDir], dir)),
  );
  const runs = medianOf(3, () => wct(["runs", "--json", "--store", storeDir], dir));
  const version = medianOf(3, () => wct(["--version"], dir));
  return { createMs, runs, version, bytes: Buffer.byteLength(listing), piped };
}

async function resumeBig(base: string) {
  const dir = mkdtempSync(join(base, "resume-"));
  writeFileSync(join(dir, "plugin.mjs"), PLUGIN);
  writeFileSync(join(dir, "big.yaml"), runbook("big", 100, 99));
  const store = join(dir, "store");
  const first = wct(["run", "big.yaml", "--quiet", "--json", "--store", store], dir);
  const summary = JSON.parse(first.stdout) as { run_id: string; artifacts: unknown[] };
  if (summary.artifacts.length !== 10_000) {
    throw new Error(`big.yaml planned ${summary.artifacts.length} artifacts, not 10000`);
  }
  const resume = () =>
    wct(["run", "big.yaml", "--resume", summary.run_id, "--quiet", "--store", store], dir);
  const check = JSON.parse(
    wct(["run", "big.yaml", "--resume", summary.run_id, "--json", "--store", store], dir).stdout,
  ) as { artifacts: { kept: boolean }[] };
  const rerun = check.artifacts.filter((a) => !a.kept).length;
  if (rerun > 0) throw new Error(`resume of a completed run re-ran ${rerun} artifacts`);
  const resumeMs = medianOf(3, resume);
  const validateMs = medianOf(3, () => wct(["validate", "big.yaml"], dir));
  return { firstMs: first.ms, resumeMs, validateMs };
}

// ---------------------------------------------------------------- main

const benchStart = performance.now();
// The binary runs dist/, so build it first; the engine baseline is the built package too.
buildBinary("binary.bench");
const { builtinRuleSet, scanText } = await builtPersonalData();
const base = mkdtempSync(join(tmpdir(), "wct-bench-binary-"));
try {
  const scans: ScanRow[] = [];
  scans.push(await scanTree(base, "50 MB tree", 50, 7));
  scans.push(await scanTree(base, "100 MB tree", 100, 11));
  const list = await listRuns(base);
  const resume = await resumeBig(base);

  console.log(
    "\n1. personal-data scan: `wct run scan.yaml --quiet` vs engine (read → scan → drop)\n",
  );
  table(
    [
      "tree",
      "files",
      "MB",
      "read MB/s",
      "engine MB/s",
      "wct run MB/s",
      "wct/engine",
      `≥ ${TARGET_MB_S} MB/s`,
      "wct peak RSS MB",
      `< ${TARGET_RSS_MB} MB`,
      "code stored MB",
      "findings stored MB",
    ],
    scans.map((r) => [
      r.label,
      String(r.files),
      fmt(r.mb),
      fmt(r.readMbS),
      fmt(r.engineMbS),
      `${fmt(r.wctMbS)} (${fmt(r.wctSeconds, 2)} s)`,
      `${fmt(r.wctMbS / r.engineMbS, 2)}x`,
      verdict(r.wctMbS >= TARGET_MB_S),
      fmt(r.usage.max_rss_kb / 1024),
      verdict(r.usage.max_rss_kb / 1024 < TARGET_RSS_MB),
      fmt(r.codeMb),
      fmt(r.findingsMb),
    ]),
  );
  console.log("\nwhere the child's memory goes (peaks sampled every 10 ms inside wct):\n");
  table(
    [
      "tree",
      "peak RSS MB",
      "RSS ÷ tree size",
      "peak V8 heap used MB",
      "peak external MB",
      "of which ArrayBuffers MB",
      "findings engine / wct",
    ],
    scans.map((r) => [
      r.label,
      fmt(r.usage.max_rss_kb / 1024),
      `${fmt(r.usage.max_rss_kb / 1024 / r.mb, 1)}x`,
      fmt(mb(r.usage.heap_used)),
      fmt(mb(r.usage.external)),
      fmt(mb(r.usage.array_buffers)),
      `${r.engineFindings} / ${r.wctFindings}`,
    ]),
  );

  console.log("\n2. `wct runs --json` over 1,000 stored runs (median of 3)\n");
  table(
    ["command", "time", "target"],
    [
      ["wct --version (baseline: process start)", ms(list.version), ""],
      [
        "wct runs --json",
        ms(list.runs),
        `≤ ${TARGET_LIST_MS} ms: ${verdict(list.runs <= TARGET_LIST_MS)}`,
      ],
      ["difference (listing itself)", ms(list.runs - list.version), ""],
    ],
  );
  console.log(`(setup: 1,000 runs created in-process with runPlan in ${ms(list.createMs)})`);
  console.log(
    list.piped < list.bytes
      ? `WARNING: through a pipe, \`wct runs --json\` delivered only ${list.piped} of its ${list.bytes} bytes: bin/wct.js calls process.exit() before stdout drains (timed here with stdout to a file).`
      : `piped stdout complete in 3 tries: ${list.bytes} bytes`,
  );

  console.log(
    "\n3. resume of a completed 10,000-artifact run (100 sources × chain of 99; median of 3)\n",
  );
  table(
    ["command", "time", "target"],
    [
      ["wct validate big.yaml (baseline: planning)", ms(resume.validateMs), ""],
      ["wct run big.yaml --resume <id> --quiet", ms(resume.resumeMs), ""],
      [
        "difference (deciding nothing is left)",
        ms(resume.resumeMs - resume.validateMs),
        `≤ ${TARGET_DECIDE_MS} ms: ${verdict(resume.resumeMs - resume.validateMs <= TARGET_DECIDE_MS)}`,
      ],
    ],
  );
  console.log(`(setup: the first run of the 10,000 artifacts took ${ms(resume.firstMs)})`);
} finally {
  rmSync(base, { recursive: true, force: true });
}
console.log(`\nbench time: ${fmt((performance.now() - benchStart) / 1000)} s`);
