// `pnpm bench run`: throughput and scaling of runPlan on the memory and fs stores,
// the cost of resuming a completed 10,000-artifact run, and `listRunRecords` over
// 1,000 stored runs. Prints figures against targets; never fails on timing.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import type { ArtifactStore } from "@wct/store-core";
import { listRunRecords, runPlan } from "../src/index.js";
import { createRegistry } from "../src/plan/registry.js";
import { mapWithLimit } from "../src/run/concurrency.js";
import {
  type ArtifactSpec,
  createFsStore,
  createMemoryStore,
  DATA,
  makePlan,
  RESULT,
} from "../test/fixtures/run/helpers.js";

const registry = createRegistry([
  {
    source: "inline",
    plugin: {
      name: "bench",
      connectors: [
        { type: "noop", description: "", outputSchema: DATA, extract: async () => null },
      ],
      processors: [
        {
          type: "noop",
          description: "",
          inputSchemas: [[DATA]],
          outputSchema: RESULT,
          process: async () => null,
        },
      ],
    },
  },
]);

type Shape = "fan-out" | "chain" | "layered";

function shape(kind: Shape, n: number): ArtifactSpec[] {
  const specs: ArtifactSpec[] = [{ id: "a0", component: "noop" }];
  if (kind === "fan-out") {
    for (let i = 1; i < n; i++) specs.push({ id: `a${i}`, component: "noop", inputs: ["a0"] });
  } else if (kind === "chain") {
    for (let i = 1; i < n; i++) {
      specs.push({ id: `a${i}`, component: "noop", inputs: [`a${i - 1}`] });
    }
  } else {
    // 100 layers; each artifact reads two of the previous layer.
    const width = n / 100;
    for (let i = 1; i < width; i++) specs.push({ id: `a${i}`, component: "noop" });
    for (let layer = 1; layer < 100; layer++) {
      for (let w = 0; w < width; w++) {
        const prev = (layer - 1) * width;
        specs.push({
          id: `a${layer * width + w}`,
          component: "noop",
          inputs: [`a${prev + w}`, `a${prev + ((w + 1) % width)}`],
        });
      }
    }
  }
  return specs;
}

const base = await mkdtemp(join(tmpdir(), "wct-bench-run-"));
let dirs = 0;
const stores: Record<string, () => ArtifactStore> = {
  memory: () => createMemoryStore(),
  fs: () => createFsStore({ baseDir: join(base, `s${dirs++}`) }),
};

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  globalThis.gc?.();
  const start = performance.now();
  const value = await fn();
  return [performance.now() - start, value];
}

const rows: string[][] = [];
const row = (...cells: (string | number)[]) => rows.push(cells.map(String));
const ms = (t: number) => `${t.toFixed(0)} ms`;

try {
  for (const storeName of ["memory", "fs"]) {
    for (const kind of ["fan-out", "chain", "layered"] as Shape[]) {
      const times: number[] = [];
      let last = 0;
      for (const n of [1000, 10_000]) {
        const plan = makePlan(shape(kind, n), { maxConcurrency: 10 });
        const store = stores[storeName]!();
        const [t, summary] = await timed(() => runPlan(plan, { store, registry, runId: "bench" }));
        if (summary.status !== "completed") throw new Error(`bench run ${summary.status}`);
        times.push(t);
        row(`run ${kind}`, storeName, n, ms(t), `${Math.round(n / (t / 1000))}/s`, "", "");
        last = rows.length - 1;
        if (storeName === "fs" && kind === "fan-out" && n === 10_000) {
          const [r, resumed] = await timed(() =>
            runPlan(plan, { store, registry, resume: "bench" }),
          );
          if (resumed.artifacts.some((a) => !a.kept)) throw new Error("resume re-ran artifacts");
          row(
            "resume completed (no-op)",
            storeName,
            n,
            ms(r),
            "",
            "",
            `≤ 1000 ms: ${r <= 1000 ? "ok" : "MISSED"}`,
          );
        }
      }
      const ratio = times[1]! / times[0]!;
      rows[last]![5] = `x${ratio.toFixed(1)}`;
      rows[last]![6] = `ratio ≤ 12: ${ratio <= 12 ? "ok" : "MISSED"}`;
    }
  }

  const listDir = join(base, "list");
  const listStore = createFsStore({ baseDir: listDir });
  const one = makePlan(shape("chain", 3));
  await mapWithLimit(
    Array.from({ length: 1000 }, (_, i) => i),
    16,
    (i) => runPlan(one, { store: listStore, registry, runId: `run-${i}` }),
  );
  const [l, records] = await timed(() => listRunRecords(createFsStore({ baseDir: listDir })));
  if (records.length !== 1000) throw new Error(`listed ${records.length} runs`);
  row("listRunRecords", "fs", 1000, ms(l), "", "", `≤ 1000 ms: ${l <= 1000 ? "ok" : "MISSED"}`);
} finally {
  await rm(base, { recursive: true, force: true });
}

const header = ["scenario", "store", "n", "time", "artifacts/s", "10k/1k", "target"];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
console.log(line(header));
console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
for (const r of rows) console.log(line(r));
