// `pnpm bench scan`: throughput and peak memory of the personal-data engine reading a
// tree of mixed text files one at a time (read → scan → drop), against a baseline
// that only reads the same files. Trees are generated (seeded) in a temporary folder
// and removed afterwards. Figures are printed next to the targets; nothing fails on
// timing.
import { mkdtempSync, rmSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { builtinRuleSet, scanText } from "../src/index.js";
import { generateTree } from "./tree.js";

const TARGET_MB_S = 50;
const TARGET_RSS_MB = 300;

class RssSampler {
  peak = 0;
  private timer: NodeJS.Timeout;
  constructor() {
    this.sample();
    this.timer = setInterval(() => this.sample(), 5);
  }
  sample() {
    const rss = process.memoryUsage.rss();
    if (rss > this.peak) this.peak = rss;
  }
  stop() {
    clearInterval(this.timer);
    this.sample();
    return this.peak;
  }
}

async function pass(files: string[], scan: boolean) {
  globalThis.gc?.();
  const sampler = new RssSampler();
  let findings = 0;
  const t0 = performance.now();
  for (const file of files) {
    const text = await readFile(file, "utf8");
    if (scan) findings += scanText(text, { ruleSet: builtinRuleSet(), path: file }).length;
    sampler.sample();
  }
  const seconds = (performance.now() - t0) / 1000;
  return { seconds, peakRss: sampler.stop(), findings };
}

const mb = (b: number) => b / 1e6;
const fmt = (n: number, d = 1) => n.toFixed(d);

async function measure(label: string, sizeMb: number, seed: number) {
  const dir = mkdtempSync(join(tmpdir(), "wct-pd-bench-"));
  try {
    const { files, bytes } = generateTree(dir, sizeMb * 1e6, seed);
    await pass(files.slice(0, 20), true); // warm-up: JIT and regex compilation
    const read = await pass(files, false);
    const scan = await pass(files, true);
    const endToEnd = mb(bytes) / scan.seconds;
    const scanOnly = mb(bytes) / Math.max(1e-9, scan.seconds - read.seconds);
    return {
      label,
      files: files.length,
      mb: mb(bytes),
      readMbS: mb(bytes) / read.seconds,
      endToEnd,
      scanOnly,
      ratio: scan.seconds / read.seconds,
      peakRssMb: mb(scan.peakRss),
      findings: scan.findings,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const rows = [await measure("50 MB tree", 50, 7), await measure("100 MB tree", 100, 11)];
const maxRssMb = process.resourceUsage().maxRSS / 1024;

console.log(
  "\n| tree | files | MB | read only MB/s | read+scan MB/s | scan only MB/s | scan/read time | peak RSS MB | findings |",
);
console.log("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
for (const r of rows) {
  console.log(
    `| ${r.label} | ${r.files} | ${fmt(r.mb)} | ${fmt(r.readMbS)} | ${fmt(r.endToEnd)} | ${fmt(r.scanOnly)} | ${fmt(r.ratio, 2)}x | ${fmt(r.peakRssMb)} | ${r.findings} |`,
  );
}
const worst = Math.min(...rows.map((r) => r.endToEnd));
const peak = Math.max(...rows.map((r) => r.peakRssMb), maxRssMb);
console.log(
  `\nread+scan throughput (slowest tree): ${fmt(worst)} MB/s (target >= ${TARGET_MB_S} MB/s: ${worst >= TARGET_MB_S ? "met" : "NOT met"})`,
);
console.log(
  `peak RSS: sampled ${fmt(Math.max(...rows.map((r) => r.peakRssMb)))} MB, process maxRSS ${fmt(maxRssMb)} MB (target < ${TARGET_RSS_MB} MB: ${peak < TARGET_RSS_MB ? "met" : "NOT met"})`,
);
console.log(
  `memory vs size: peak RSS ${fmt(rows[0]!.peakRssMb)} MB at ${fmt(rows[0]!.mb, 0)} MB, ${fmt(rows[1]!.peakRssMb)} MB at ${fmt(rows[1]!.mb, 0)} MB`,
);
