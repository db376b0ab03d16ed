// `pnpm bench store-fs/bench/stream`: a large streamed artifact through the fs store, the way a scan
// stores what it read. A generated tree of mixed text files (the same seeded generator
// as `pnpm bench scan`) is read file by file and each file is written as one record
// `{path, size, content}`; then the artifact is read back record by record. Baselines,
// measured in the same run: reading the files alone (the source's own speed), and the
// store with no codec stage (plain JSON lines). Prints throughput, stored/source ratio,
// main-thread busy share and memory; never fails on timing.
//
// WCT_BENCH_STREAM_MB sets the tree size (default 200).
import { mkdtempSync, rmSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { performance } from "node:perf_hooks";
import {
  type ArtifactStore,
  brotliCodec,
  type Codec,
  createStore,
  gzipCodec,
  type Message,
} from "@wct/store-core";
import { generateTree } from "../../plugin-personal-data/bench/tree.js";
import { createFsDriver } from "../src/index.js";

const MB = 1024 * 1024;
const TREE_MB = Number(process.env["WCT_BENCH_STREAM_MB"] ?? 200);
const RUN = "0190c2a4-7a1b-7c3d-8e4f-00000057be4c";
const TARGET_RATIO = 0.5;

class MemorySampler {
  peakRss = 0;
  peakHeap = 0;
  private readonly timer: NodeJS.Timeout;
  constructor() {
    this.sample();
    this.timer = setInterval(() => this.sample(), 10);
  }
  sample() {
    const usage = process.memoryUsage();
    this.peakRss = Math.max(this.peakRss, usage.rss);
    this.peakHeap = Math.max(this.peakHeap, usage.heapUsed + usage.arrayBuffers);
  }
  stop() {
    clearInterval(this.timer);
    this.sample();
    return this;
  }
}

interface Pass {
  seconds: number;
  busy: number;
  /** CPU seconds of the whole process (every thread), less sensitive to a busy machine. */
  cpu: number;
  peakRss: number;
  peakHeap: number;
}

async function measure(body: () => Promise<void>): Promise<Pass> {
  globalThis.gc?.();
  const sampler = new MemorySampler();
  const elu = performance.eventLoopUtilization();
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  await body();
  const seconds = (performance.now() - start) / 1000;
  const cpuUsed = process.cpuUsage(cpuStart);
  const busy = performance.eventLoopUtilization(elu).utilization;
  const { peakRss, peakHeap } = sampler.stop();
  return { seconds, busy, cpu: (cpuUsed.user + cpuUsed.system) / 1e6, peakRss, peakHeap };
}

function envelope(): Message & { content: null } {
  return {
    id: "files",
    schema: { name: "file_content", version: "1.0.0" },
    content: null,
    run_id: RUN,
    source: "connector:filesystem",
    timestamp: new Date(0).toISOString(),
    execution: {
      status: "completed",
      error: null,
      duration_ms: 0,
      origin: "connector",
      alias: null,
    },
  };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "wct-stream-bench-"));
  try {
    const treeDir = join(dir, "tree");
    const tree = generateTree(treeDir, TREE_MB * MB, 9);
    const sourceMb = tree.bytes / MB;
    console.log(
      `tree: ${tree.files.length} files, ${sourceMb.toFixed(0)} MB of text; one record per file`,
    );

    const readOnly = await measure(async () => {
      for (const file of tree.files) await readFile(file, "utf8");
    });

    const variants: { label: string; codecs: Codec[] }[] = [
      { label: "no codec (JSON lines)", codecs: [] },
      { label: "brotli quality 1 (default)", codecs: [brotliCodec()] },
      { label: "brotli quality 0", codecs: [brotliCodec({ quality: 0 })] },
      { label: "gzip level 1 (runs before brotli)", codecs: [gzipCodec()] },
      { label: "gzip level 6", codecs: [gzipCodec({ level: 6 })] },
    ];
    const rows: string[][] = [];
    const cpuPerMb = (pass: Pass) => ((pass.cpu * 1000) / sourceMb).toFixed(1);
    const mainPerMb = (pass: Pass) => ((pass.busy * pass.seconds * 1000) / sourceMb).toFixed(1);
    rows.push([
      "read files only (baseline)",
      (sourceMb / readOnly.seconds).toFixed(1),
      "1.00",
      mainPerMb(readOnly),
      cpuPerMb(readOnly),
      "",
      "",
      "",
      "",
      (readOnly.peakRss / MB).toFixed(0),
    ]);
    for (const variant of variants) {
      const store: ArtifactStore = createStore(
        createFsDriver({ baseDir: join(dir, `store-${rows.length}`) }),
        { codecs: variant.codecs },
      );
      let commit = { sourceBytes: 0, storedBytes: 0 };
      const write = await measure(async () => {
        const writer = await store.openArtifactWriter(RUN, "files", envelope(), {
          recordsField: "files",
          head: { root: treeDir },
        });
        for (const file of tree.files) {
          const content = await readFile(file, "utf8");
          await writer.write({ path: relative(treeDir, file), size: content.length, content });
        }
        commit = await writer.commit({ coverage: { files: tree.files.length } });
      });
      let records = 0;
      const read = await measure(async () => {
        const reader = await store.openArtifactReader(RUN, "files");
        for await (const _ of reader.records()) records++;
        await reader.summary();
      });
      if (records !== tree.files.length) throw new Error(`read back ${records} records`);
      const ratio = commit.storedBytes / tree.bytes;
      rows.push([
        variant.label,
        (sourceMb / write.seconds).toFixed(1),
        (readOnly.seconds / write.seconds).toFixed(2),
        mainPerMb(write),
        cpuPerMb(write),
        (sourceMb / read.seconds).toFixed(1),
        cpuPerMb(read),
        (commit.storedBytes / MB).toFixed(1),
        `${ratio.toFixed(3)}${variant.codecs.length > 0 ? (ratio <= TARGET_RATIO ? " (met)" : " (MISSED)") : ""}`,
        (Math.max(write.peakRss, read.peakRss) / MB).toFixed(0),
      ]);
      await store.close();
    }

    const header = [
      "pass",
      "read+write MB/s",
      "speed vs read only",
      "main thread ms/MB",
      "CPU ms/MB",
      "read back MB/s",
      "read back CPU ms/MB",
      "stored MB",
      `stored/source (target ≤ ${TARGET_RATIO})`,
      "peak RSS MB",
    ];
    const table = [header, ...rows];
    const widths = header.map((_, c) => Math.max(...table.map((row) => (row[c] ?? "").length)));
    const line = (row: string[]) => row.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join(" | ");
    console.log(line(header));
    console.log(widths.map((w) => "-".repeat(w)).join("-|-"));
    for (const row of rows) console.log(line(row));
    // Small records, as a database connector yields them: a baseline that only
    // serialises the rows, against the store writing and reading them back.
    const ROWS = 1_000_000;
    const row = (i: number) => ({
      table: "customers",
      row: { id: i, name: `customer ${i}`, email: `c${i}@example.com`, balance: (i % 9973) / 7 },
    });
    let rowBytes = 0;
    const serialiseOnly = await measure(async () => {
      for (let i = 0; i < ROWS; i++) rowBytes += JSON.stringify(row(i)).length;
    });
    const rowStore = createStore(createFsDriver({ baseDir: join(dir, "rows") }));
    let rowCommit = { storedBytes: 0, sourceBytes: 0 };
    const rowWrite = await measure(async () => {
      const writer = await rowStore.openArtifactWriter(RUN, "rows", envelope(), {
        recordsField: "rows",
      });
      for (let i = 0; i < ROWS; i++) await writer.write(row(i));
      rowCommit = await writer.commit();
    });
    let rowsRead = 0;
    const rowRead = await measure(async () => {
      const reader = await rowStore.openArtifactReader(RUN, "rows");
      for await (const _ of reader.records()) rowsRead++;
    });
    if (rowsRead !== ROWS) throw new Error(`read back ${rowsRead} rows`);
    console.log(
      `\n1,000,000 rows (${(rowBytes / MB).toFixed(0)} MB of JSON): serialise only ${serialiseOnly.seconds.toFixed(2)} s, store write ${rowWrite.seconds.toFixed(2)} s (${(rowWrite.seconds / serialiseOnly.seconds).toFixed(2)}× serialise only), read back ${rowRead.seconds.toFixed(2)} s, stored/source ${(rowCommit.storedBytes / rowCommit.sourceBytes).toFixed(3)}, peak RSS ${(Math.max(rowWrite.peakRss, rowRead.peakRss) / MB).toFixed(0)} MB`,
    );
    await rowStore.close();

    console.log(
      "MB/s and ms/MB are per MB of source text; main thread ms/MB is the event loop's busy time, CPU ms/MB counts every thread (codec work on the threadpool included); stored/source compares the bytes on disk with the files' bytes.",
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
