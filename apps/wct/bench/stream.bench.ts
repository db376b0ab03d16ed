// `pnpm bench stream`: issue 9's figures, through the built binary. For generated text
// trees (WCT_BENCH_SIZES, MB, default 100,500,1000; 0 skips them) and a SQLite database
// (WCT_BENCH_ROWS rows, default 1,000,000; 0 skips it), each scanned for personal data
// by `wct run`:
//   - peak RSS of the wct process (getrusage), flat across sizes;
//   - throughput against the engine alone (read → scan → drop, the built package, warm)
//     measured in the same run;
//   - bytes stored under .waivern/runs/<id>/ against the source bytes;
//   - `wct run --resume` of the completed run (nothing to do);
//   - CPU seconds (every thread) of the engine and of the wct process: on a shared,
//     busy machine wall-clock throughput follows the CPU share each gets, and the CPU
//     ratio (engine CPU / wct CPU) is the load-independent form of the same comparison;
//   - on Linux, the main thread's CPU seconds of each (the scan runs there, so it is the
//     critical path on a machine with a core to spare for the rest: framing, gzip, GC);
//   - for reference, the engine again in a process of its own, started cold as `wct run`
//     is (Node's start, module loading, the rules compiled, no warm-up pass): the target
//     is against the warm engine, and this column says how much of the gap is start-up;
//   - for reference too, `wct run` of the same runbook over an empty input (an empty
//     folder, a database whose table has no rows): its fixed cost (start-up, planning,
//     the run's records, the report). "wct/engine past the fixed cost" compares the
//     engine's time with wct's less that cost: the rate once a run is under way.
// WCT_BENCH_SMALL_FILES=<n> (default 0: left out) adds a tree of n files of about 1 KB,
// where the cost per file (its system calls) counts more than the bytes.
// Each input is measured WCT_BENCH_REPEATS times (default 3), the engine and wct taking
// turns (engine first, then wct first, …) so that a machine whose speed drifts slows
// both alike; the table gives medians, the throughput ratio of the medians, and the
// lowest and highest ratio of the pairs. Peak RSS is the highest of the runs.
// WCT_BENCH_DIST=<path to another checkout's apps/wct/dist/bundle/main.js> measures that build
// instead (e.g. main's, for a before/after). Nothing fails on timing.
import { spawnSync } from "node:child_process";
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import { generateTree } from "../../../packages/plugin-personal-data/bench/tree.js";
import { buildBinary, REPO, WCT_DIST_MAIN } from "../../../test-utils/binary.js";
import { builtPersonalData, PERSONAL_DATA_DIST } from "./engine.js";

const DIST_MAIN = process.env.WCT_BENCH_DIST ?? WCT_DIST_MAIN;
// 0 (or nothing) leaves the trees out: `WCT_BENCH_SIZES=0` measures the database alone.
const SIZES = (process.env.WCT_BENCH_SIZES ?? "100,500,1000")
  .split(",")
  .filter((size) => size.trim() !== "")
  .map(Number)
  .filter((size) => size > 0);
const ROWS = Number(process.env.WCT_BENCH_ROWS ?? 1_000_000);
const SMALL_FILES = Number(process.env.WCT_BENCH_SMALL_FILES ?? 0);
const REPEATS = Math.max(1, Math.floor(Number(process.env.WCT_BENCH_REPEATS ?? 3)) || 1);

if (!process.env.WCT_BENCH_DIST) buildBinary("stream.bench");

// The engine as it ships (see builtPersonalData), for the warm engine as for the cold one.
const { builtinRuleSet, scanText } = await builtPersonalData();

// CPU seconds of the calling thread (Linux: /proc/thread-self/stat, in clock ticks of
// 1/100 s), or NaN elsewhere.
function threadCpuSeconds(): number {
  try {
    const stat = readFileSync("/proc/thread-self/stat", "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

const LAUNCHER = `import { readFileSync, writeFileSync } from "node:fs";
import { runWct } from ${JSON.stringify(pathToFileURL(DIST_MAIN).href)};
${threadCpuSeconds.toString()}
const argv = process.argv.slice(process.argv.indexOf("--") + 1);
const code = await runWct(argv);
const usage = process.resourceUsage();
writeFileSync(process.env.WCT_BENCH_USAGE, JSON.stringify({ code, max_rss_kb: usage.maxRSS, cpu_us: usage.userCPUTime + usage.systemCPUTime, main_cpu_s: threadCpuSeconds() }));
process.exit(code);
`;

function wct(
  dir: string,
  args: string[],
): { seconds: number; rssMb: number; cpuSeconds: number; mainCpuSeconds: number; stderr: string } {
  const usageFile = join(dir, "usage.json");
  const start = performance.now();
  const r = spawnSync(process.execPath, ["launcher.mjs", "--", ...args], {
    cwd: dir,
    encoding: "utf8",
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, WCT_BENCH_USAGE: usageFile, WCT_STORE: undefined },
  });
  const seconds = (performance.now() - start) / 1000;
  if (r.status !== 0)
    throw new Error(`wct ${args.join(" ")} exited ${r.status}: ${r.stderr.slice(-2000)}`);
  const usage = JSON.parse(readFileSync(usageFile, "utf8")) as {
    max_rss_kb: number;
    cpu_us: number;
    main_cpu_s: number | null;
  };
  return {
    seconds,
    rssMb: usage.max_rss_kb / 1024,
    cpuSeconds: usage.cpu_us / 1e6,
    mainCpuSeconds: usage.main_cpu_s ?? Number.NaN,
    stderr: r.stderr,
  };
}

function bytesUnder(dir: string): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) total += statSync(join(e.parentPath, e.name)).size;
  }
  return total;
}

interface EngineTime {
  seconds: number;
  cpuSeconds: number;
  mainCpuSeconds: number;
}

function cpuSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
}

type Scan = typeof scanText;
type RuleSet = ReturnType<typeof builtinRuleSet>;

// The engine's two loops. Self-contained (no outside names) so that the cold engine's
// launcher runs the same source, given the same arguments.
async function scanFiles(scan: Scan, ruleSet: RuleSet, files: string[], read: typeof readFile) {
  for (const file of files) scan(await read(file, "utf8"), { ruleSet, path: file });
}

function scanRows(scan: Scan, ruleSet: RuleSet, rows: Iterable<unknown>) {
  for (const row of rows) {
    for (const [column, value] of Object.entries(row as Record<string, unknown>)) {
      const prefix = `${column}: `;
      scan(prefix + String(value), {
        ruleSet,
        fieldNames: false,
        from: prefix.length,
      });
    }
  }
}

async function engine(files: string[]): Promise<EngineTime> {
  const ruleSet = builtinRuleSet();
  const cpu = process.cpuUsage();
  const mainCpu = threadCpuSeconds();
  const start = performance.now();
  await scanFiles(scanText, ruleSet, files, readFile);
  return {
    seconds: (performance.now() - start) / 1000,
    cpuSeconds: cpuSince(cpu),
    mainCpuSeconds: threadCpuSeconds() - mainCpu,
  };
}

// The cold engine: a process that imports the built personal-data plugin, compiles its
// rules and runs one of the loops above over what `input.json` names, then exits.
const SQLITE_PACKAGE = join(REPO, "packages/plugin-sqlite/package.json");
const ENGINE_LAUNCHER = `import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { builtinRuleSet, scanText } from ${JSON.stringify(pathToFileURL(PERSONAL_DATA_DIST).href)};
${scanFiles.toString()}
${scanRows.toString()}
const input = JSON.parse(readFileSync("engine-input.json", "utf8"));
const ruleSet = builtinRuleSet();
if (input.files) {
  await scanFiles(scanText, ruleSet, input.files, readFile);
} else {
  const Database = createRequire(${JSON.stringify(SQLITE_PACKAGE)})("better-sqlite3");
  const db = new Database(input.database, { readonly: true });
  scanRows(scanText, ruleSet, db.prepare("SELECT * FROM customers").iterate());
  db.close();
}
`;

/** Wall seconds of the cold engine over `input` (`{ files }` or `{ database }`). */
function coldEngine(dir: string, input: { files: string[] } | { database: string }): number {
  writeFileSync(join(dir, "engine-input.json"), JSON.stringify(input));
  const start = performance.now();
  const r = spawnSync(process.execPath, ["engine-launcher.mjs"], {
    cwd: dir,
    encoding: "utf8",
    stdio: ["ignore", "ignore", "pipe"],
  });
  const seconds = (performance.now() - start) / 1000;
  if (r.status !== 0)
    throw new Error(`the cold engine exited ${r.status}: ${r.stderr.slice(-2000)}`);
  return seconds;
}

const rows: string[][] = [];
const mb = (b: number) => b / 1e6;
const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const percent = (x: number) => `${(100 * x).toFixed(0)} %`;

/**
 * Measures `wct run` of scan.yaml in `dir` against `engine()`, REPEATS times each, taking
 * turns; each wct run starts from an empty store. The last run's store is then resumed.
 */
async function measure(
  label: string,
  dir: string,
  sourceBytes: number,
  engine: () => Promise<EngineTime>,
  coldInput: { files: string[] } | { database: string },
  /** A folder with the same scan.yaml over an empty input (see the top of this file). */
  empty: string,
) {
  writeFileSync(join(dir, "launcher.mjs"), LAUNCHER);
  writeFileSync(join(dir, "engine-launcher.mjs"), ENGINE_LAUNCHER);
  writeFileSync(join(empty, "launcher.mjs"), LAUNCHER);
  const emptySeconds = median(
    Array.from({ length: REPEATS }, () => {
      rmSync(join(empty, "store"), { recursive: true, force: true });
      return wct(empty, ["run", "scan.yaml", "--quiet", "--store", "store"]).seconds;
    }),
  );
  const engines: EngineTime[] = [];
  const colds: number[] = [];
  const runs: ReturnType<typeof wct>[] = [];
  const runWct = () => {
    rmSync(join(dir, "store"), { recursive: true, force: true });
    runs.push(wct(dir, ["run", "scan.yaml", "--quiet", "--store", "store"]));
  };
  for (let i = 0; i < REPEATS; i++) {
    if (i % 2 === 0) {
      engines.push(await engine());
      runWct();
      colds.push(coldEngine(dir, coldInput));
    } else {
      colds.push(coldEngine(dir, coldInput));
      runWct();
      engines.push(await engine());
    }
  }
  const [runId] = readdirSync(join(dir, "store", "runs"));
  const stored = bytesUnder(join(dir, "store", "runs", runId!));
  const resume = wct(dir, ["run", "scan.yaml", "--quiet", "--store", "store", "--resume", runId!]);
  const engineSeconds = median(engines.map((e) => e.seconds));
  const wctSeconds = median(runs.map((r) => r.seconds));
  const pairRatios = engines.map((e, i) => e.seconds / runs[i]!.seconds);
  const engineCpu = median(engines.map((e) => e.cpuSeconds));
  const wctCpu = median(runs.map((r) => r.cpuSeconds));
  const engineMain = median(engines.map((e) => e.mainCpuSeconds));
  const wctMain = median(runs.map((r) => r.mainCpuSeconds));
  const coldSeconds = median(colds);
  rows.push([
    label,
    mb(sourceBytes).toFixed(0),
    Math.max(...runs.map((r) => r.rssMb)).toFixed(0),
    (mb(sourceBytes) / engineSeconds).toFixed(1),
    (mb(sourceBytes) / wctSeconds).toFixed(1),
    percent(engineSeconds / wctSeconds),
    `${percent(Math.min(...pairRatios))}–${percent(Math.max(...pairRatios))}`,
    `${(stored / sourceBytes).toFixed(2)}×`,
    resume.seconds.toFixed(2),
    engineCpu.toFixed(1),
    wctCpu.toFixed(1),
    percent(engineCpu / wctCpu),
    engineMain.toFixed(1),
    wctMain.toFixed(1),
    percent(engineMain / wctMain),
    (mb(sourceBytes) / coldSeconds).toFixed(1),
    percent(coldSeconds / wctSeconds),
    emptySeconds.toFixed(2),
    percent(engineSeconds / (wctSeconds - emptySeconds)),
  ]);
  console.log(rows.at(-1)!.join(" | "));
}

/**
 * {@link measure} of a personal-data scan of `dir/tree` (`files`, `bytes` in all), after
 * a warm-up pass of the engine; `dir` is removed afterwards.
 */
async function measureTree(label: string, dir: string, files: string[], bytes: number) {
  const runbook =
    "name: bench\ndescription: scan\nartifacts:\n  code:\n    source: { type: filesystem, properties: { path: ./tree, max_files: 1000000, max_file_size: 104857600 } }\n  findings:\n    inputs: code\n    process: { type: personal_data }\n    output: true\n";
  writeFileSync(join(dir, "scan.yaml"), runbook);
  const empty = join(dir, "empty");
  mkdirSync(join(empty, "tree"), { recursive: true });
  writeFileSync(join(empty, "scan.yaml"), runbook);
  await engine(files.slice(0, 20));
  await measure(label, dir, bytes, () => engine(files), { files }, empty);
  rmSync(dir, { recursive: true, force: true });
}

const base = mkdtempSync(join(tmpdir(), "wct-stream-bench-"));
try {
  console.log(`measuring ${DIST_MAIN}`);
  for (const size of SIZES) {
    const dir = mkdtempSync(join(base, "tree-"));
    const { files, bytes } = generateTree(join(dir, "tree"), size * 1e6, 9000 + size);
    await measureTree(`tree ${size} MB`, dir, files, bytes);
  }
  if (SMALL_FILES > 0) {
    const dir = mkdtempSync(join(base, "small-"));
    const filler = `${"lorem ipsum dolor sit amet ".repeat(30)}\n`;
    const files: string[] = [];
    let bytes = 0;
    for (let i = 0; i < SMALL_FILES; i++) {
      const folder = join(dir, "tree", `d${String(Math.floor(i / 100)).padStart(4, "0")}`);
      if (i % 100 === 0) mkdirSync(folder, { recursive: true });
      const file = join(folder, `f${String(i % 100).padStart(2, "0")}.txt`);
      const text = `${filler}contact person${i}@example.org\n`;
      writeFileSync(file, text);
      files.push(file);
      bytes += Buffer.byteLength(text);
    }
    await measureTree(`${SMALL_FILES} files of 1 KB`, dir, files, bytes);
  }
  if (ROWS > 0) {
    const dir = mkdtempSync(join(base, "db-"));
    const require = createRequire(SQLITE_PACKAGE);
    const Database = require("better-sqlite3");
    const CREATE =
      "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT, email TEXT, phone TEXT, note TEXT)";
    const empty = join(dir, "empty");
    mkdirSync(empty);
    const emptyDb = new Database(join(empty, "shop.db"));
    emptyDb.exec(CREATE);
    emptyDb.close();
    const db = new Database(join(dir, "shop.db"));
    db.exec(CREATE);
    const insert = db.prepare(
      "INSERT INTO customers (name, email, phone, note) VALUES (?, ?, ?, ?)",
    );
    db.transaction(() => {
      for (let i = 0; i < ROWS; i++) {
        insert.run(
          `Customer ${i}`,
          `c${i}@example.org`,
          `+44 20 7946 ${String(i % 10000).padStart(4, "0")}`,
          "regular order",
        );
      }
    })();
    db.close();
    const sourceBytes = statSync(join(dir, "shop.db")).size;
    const runbook = `name: bench\ndescription: scan\nartifacts:\n  db:\n    source: { type: sqlite, properties: { database_path: ./shop.db, max_rows_per_table: ${ROWS} } }\n  findings:\n    inputs: db\n    process: { type: personal_data }\n    output: true\n`;
    writeFileSync(join(dir, "scan.yaml"), runbook);
    writeFileSync(join(empty, "scan.yaml"), runbook);
    // Engine alone: the same cells through scanText, as the processor prefixes them.
    const engineDb = async (): Promise<EngineTime> => {
      const cpu = process.cpuUsage();
      const mainCpu = threadCpuSeconds();
      const start = performance.now();
      const ruleSet = builtinRuleSet();
      const read = new Database(join(dir, "shop.db"), { readonly: true });
      scanRows(scanText, ruleSet, read.prepare("SELECT * FROM customers").iterate());
      read.close();
      return {
        seconds: (performance.now() - start) / 1000,
        cpuSeconds: cpuSince(cpu),
        mainCpuSeconds: threadCpuSeconds() - mainCpu,
      };
    };
    await measure(
      `sqlite ${ROWS} rows`,
      dir,
      sourceBytes,
      engineDb,
      { database: join(dir, "shop.db") },
      empty,
    );
  }
} finally {
  rmSync(base, { recursive: true, force: true });
}
console.log(
  `\n${REPEATS} runs of each, medians; pairs: the lowest and highest wct/engine of one engine run and the wct run beside it`,
);
console.log(
  "| input | source MB | peak RSS MB | engine MB/s | wct MB/s | wct/engine | pairs | stored/source | resume s | engine CPU s | wct CPU s | engine/wct CPU | engine main-thread CPU s | wct main-thread CPU s | engine/wct main thread | cold engine MB/s | wct/cold engine | wct over an empty input s | wct/engine past the fixed cost |",
);
console.log("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
for (const r of rows) console.log(`| ${r.join(" | ")} |`);
console.log(
  "targets: RSS < 250 MB flat; wct/engine >= 90 %; stored <= 0.5× (trees); resume < 2 s. The cold engine (a process of its own, no warm-up) and the rate past wct's fixed cost (its run over an empty input) are for reference, not targets.",
);
