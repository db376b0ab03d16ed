// `pnpm bench report`: `wct report` through the built binary on a stored run with
// 100,000 findings — `--format html` and `--format sarif` (also csv and json) — time
// and peak RSS of the child, against `wct inspect <run> findings --json` on the same
// run (loading and printing the same artifact: the floor any report stands on), plus
// the HTML file's size at 10,000 findings. Everything lives in a mkdtemp folder removed
// afterwards; nothing fails on timing.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import type { Finding } from "@wct/plugin-personal-data";
import { createFsStore } from "@wct/store-fs";
import {
  WCT_BIN as BIN,
  buildBinary,
  WCT_DIST_MAIN as DIST_MAIN,
} from "../../../test-utils/binary.js";

// The binary's entry plus its own peak RSS (getrusage), written where the bench reads it.
const LAUNCHER = `import { writeFileSync } from "node:fs";
import { runWct } from ${JSON.stringify(pathToFileURL(DIST_MAIN).href)};
const argv = process.argv.slice(process.argv.indexOf("--") + 1);
const code = await runWct(argv);
writeFileSync(process.env.WCT_BENCH_USAGE, JSON.stringify({ code, max_rss_kb: process.resourceUsage().maxRSS }));
process.exit(code);
`;

const TYPES: Array<[string, string]> = [
  ["email", "user.contact.email"],
  ["phone_number", "user.contact.phone_number"],
  ["ip_address", "user.device.ip_address"],
  ["payment_card", "user.financial.credit_card"],
  ["iban", "user.financial.bank_account"],
  ["date_of_birth", "user.demographic.date_of_birth"],
  ["field_name", "user.contact.email"],
];

// Shaped like the processor's output: masked evidence with context, fingerprints, tags.
function findings(n: number): Finding[] {
  return Array.from({ length: n }, (_, i) => {
    const [type, category] = TYPES[i % TYPES.length] as [string, string];
    return {
      type,
      category,
      location: {
        kind: "file",
        path: `src/module${i % 211}/sub${i % 17}/file${i % 29}.ts`,
        line: 1 + (i % 900),
        column: 1 + (i % 70),
      },
      confidence: 0.5 + (i % 50) / 100,
      reasons: ["pattern", "validator"],
      evidence: `  const contact = { ${type}: "j***.d**@*****-****.io", id: ${i} };`,
      fingerprint: `hmac-sha256:${(i * 2654435761).toString(16).padStart(64, "0").slice(-64)}`,
      tags: i % 11 === 0 ? ["test_value"] : [],
    };
  });
}

async function makeRun(base: string, n: number): Promise<{ store: string; runId: string }> {
  const dir = mkdtempSync(join(base, "run-"));
  const store = join(dir, "store");
  writeFileSync(join(dir, "a.txt"), "nothing here\n");
  writeFileSync(
    join(dir, "scan.yaml"),
    "name: bench\ndescription: bench\nartifacts:\n  code:\n    source: { type: filesystem, properties: { path: . } }\n  findings:\n    inputs: code\n    process: { type: personal_data }\n    output: true\n",
  );
  const out = execFileSync(
    process.execPath,
    [BIN, "run", "scan.yaml", "--json", "--store", store],
    {
      cwd: dir,
      encoding: "utf8",
    },
  );
  const runId = (JSON.parse(out) as { run_id: string }).run_id;
  // Replace the (empty) findings with n synthetic ones, saved through the store as the
  // processor's output would be.
  const fs = createFsStore({ baseDir: store });
  const message = await fs.get(runId, "findings");
  const items = findings(n);
  const byType: Record<string, number> = {};
  for (const f of items) byType[f.type] = (byType[f.type] ?? 0) + 1;
  await fs.save(runId, "findings", {
    ...message,
    content: {
      ...(message.content as object),
      findings: items,
      summary: { total: n, by_type: byType, by_category: {}, test_values: 0 },
    },
  });
  await fs.close();
  return { store, runId };
}

interface Measured {
  ms: number;
  rssMb: number;
  bytes: number;
}

function measure(base: string, args: string[], outFile: string): Measured {
  const launcher = join(base, "launcher.mjs");
  writeFileSync(launcher, LAUNCHER);
  const usage = join(base, "usage.json");
  const start = performance.now();
  const r = spawnSync(process.execPath, [launcher, "--", ...args], {
    cwd: base,
    stdio: ["ignore", "ignore", "pipe"],
    encoding: "utf8",
    env: { ...process.env, WCT_BENCH_USAGE: usage, WCT_DEBUG: undefined },
  });
  const ms = performance.now() - start;
  if (r.status !== 0) throw new Error(`wct ${args.join(" ")} exited ${r.status}: ${r.stderr}`);
  return { ms, rssMb: 0, bytes: existsSync(outFile) ? statSync(outFile).size : 0 };
}

async function measured(base: string, args: string[], outFile: string): Promise<Measured> {
  const m = measure(base, args, outFile);
  const usage = JSON.parse(await readFile(join(base, "usage.json"), "utf8")) as {
    max_rss_kb: number;
  };
  return { ...m, rssMb: usage.max_rss_kb / 1024 };
}

function table(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => c.padEnd(widths[i] as number)).join(" | ")} |`;
  console.log(line(header));
  console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
  for (const r of rows) console.log(line(r));
}

buildBinary("report.bench");
const base = mkdtempSync(join(tmpdir(), "wct-report-bench-"));
try {
  const N = 100_000;
  const big = await makeRun(base, N);
  const inspectOut = join(base, "inspect.json");
  // Baseline: `wct inspect --json` prints the artifact (to stdout, redirected by the
  // launcher to nothing); run it through a shell-free redirect to a file for its size.
  const baseline = await measured(
    base,
    ["inspect", big.runId, "findings", "--json", "--store", big.store],
    inspectOut,
  );
  const rows: string[][] = [
    [
      "inspect --json (baseline)",
      `${baseline.ms.toFixed(0)} ms`,
      "1.00x",
      `${baseline.rssMb.toFixed(0)} MB`,
      "-",
    ],
  ];
  for (const format of ["html", "sarif", "csv", "json"]) {
    const out = join(base, `report.${format}`);
    const m = await measured(
      base,
      ["report", big.runId, "--format", format, "--output", out, "--store", big.store],
      out,
    );
    rows.push([
      `report --format ${format}`,
      `${m.ms.toFixed(0)} ms`,
      `${(m.ms / baseline.ms).toFixed(2)}x`,
      `${m.rssMb.toFixed(0)} MB`,
      `${(m.bytes / 1e6).toFixed(1)} MB`,
    ]);
    rmSync(out, { force: true });
  }
  console.log(
    `\nwct report on a run with ${N.toLocaleString("en")} findings (child process, wall time, peak RSS)\n`,
  );
  table(["command", "time", "÷ baseline", "peak RSS", "output"], rows);

  const small = await makeRun(base, 10_000);
  const html = join(base, "small.html");
  const m = await measured(
    base,
    ["report", small.runId, "--format", "html", "--output", html, "--store", small.store],
    html,
  );
  console.log(
    `\nHTML report at 10,000 findings: ${(m.bytes / 1e6).toFixed(2)} MB (${(m.bytes / 10_000).toFixed(0)} bytes per finding), written in ${m.ms.toFixed(0)} ms`,
  );
} finally {
  rmSync(base, { recursive: true, force: true });
}
