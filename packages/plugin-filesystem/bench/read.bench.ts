// `pnpm bench plugin-filesystem`: how the connector's walk and reads cost, blocking
// against through the threadpool (see `readModeOf` in src/scan.ts), over generated
// trees read from the page cache: many small files in many folders, and fewer large
// files. Each tree is read in both modes in turns (a warm-up pass first); the table
// gives the median wall and CPU seconds of each and the ratio threadpool / blocking.
// Nothing fails on timing.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ReadMode, streamPath } from "../src/scan.js";

const TURNS = Math.max(1, Math.floor(Number(process.env.WCT_BENCH_REPEATS ?? 5)) || 1);

/** Writes `folders` folders of `perFolder` files of `bytes` bytes of text under `root`. */
function writeTree(root: string, folders: number, perFolder: number, bytes: number): void {
  const line = "a line of text with user@example.org and +44 20 7946 0958\n";
  const text = line.repeat(Math.ceil(bytes / line.length)).slice(0, bytes);
  for (let f = 0; f < folders; f++) {
    const folder = join(root, `d${f}`);
    mkdirSync(folder, { recursive: true });
    for (let i = 0; i < perFolder; i++) writeFileSync(join(folder, `f${i}.txt`), text);
  }
}

async function readAll(root: string, reads: ReadMode): Promise<{ wall: number; cpu: number }> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  const scan = streamPath({
    rootPath: root,
    include: ["**"],
    exclude: [],
    maxFiles: 1_000_000,
    maxFileSize: 10 * 1024 * 1024,
    encoding: "utf-8",
    signal: new AbortController().signal,
    reads,
  });
  for await (const _ of scan.files) {
    // Read and dropped: what the connector costs, without a consumer.
  }
  const used = process.cpuUsage(cpu);
  return { wall: (performance.now() - start) / 1000, cpu: (used.user + used.system) / 1e6 };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;

const trees = [
  { name: "10,000 files of 1 KB in 100 folders", folders: 100, perFolder: 100, bytes: 1024 },
  { name: "10,000 files of 64 B in 5,000 folders", folders: 5000, perFolder: 2, bytes: 64 },
  { name: "1,000 files of 100 KB in 10 folders", folders: 10, perFolder: 100, bytes: 100 * 1024 },
];

const base = mkdtempSync(join(tmpdir(), "wct-bench-read-"));
const rows: string[] = [];
try {
  for (const tree of trees) {
    const root = join(base, String(rows.length));
    writeTree(root, tree.folders, tree.perFolder, tree.bytes);
    await readAll(root, "threadpool");
    await readAll(root, "blocking");
    const times: Record<ReadMode, { wall: number[]; cpu: number[] }> = {
      blocking: { wall: [], cpu: [] },
      threadpool: { wall: [], cpu: [] },
    };
    for (let turn = 0; turn < TURNS; turn++) {
      const order: ReadMode[] =
        turn % 2 === 0 ? ["threadpool", "blocking"] : ["blocking", "threadpool"];
      for (const reads of order) {
        const { wall, cpu } = await readAll(root, reads);
        times[reads].wall.push(wall);
        times[reads].cpu.push(cpu);
      }
    }
    const [tw, tc, bw, bc] = [
      median(times.threadpool.wall),
      median(times.threadpool.cpu),
      median(times.blocking.wall),
      median(times.blocking.cpu),
    ];
    rows.push(
      `| ${tree.name} | ${tw.toFixed(3)} | ${tc.toFixed(3)} | ${bw.toFixed(3)} | ${bc.toFixed(3)} | ${(tw / bw).toFixed(1)}× | ${(tc / bc).toFixed(1)}× |`,
    );
    console.log(rows.at(-1));
  }
} finally {
  rmSync(base, { recursive: true, force: true });
}

console.log(`\n${TURNS} turns of each, medians; the ratios are threadpool / blocking`);
console.log(
  "| tree | threadpool wall s | threadpool CPU s | blocking wall s | blocking CPU s | wall ratio | CPU ratio |",
);
console.log("|---|---|---|---|---|---|---|");
for (const row of rows) console.log(row);
