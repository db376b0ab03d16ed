// `pnpm bench store`: the fs store's save and get against plain node:fs/promises doing
// the same durable steps in the same process (temporary file, write, fsync, close,
// rename, fsync the folder; readFile + JSON.parse), plus the memory store's figures. Rounds alternate
// which side goes first and the median round is reported, so ordering and warm-up do
// not bias the ratio. Prints figures; never fails on timing.
import { randomBytes } from "node:crypto";
import { readFile as readFileCallback } from "node:fs";
import { mkdir, mkdtemp, open, rename, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { ArtifactStore, Message } from "@wct/store-core";
import { createMemoryStore } from "@wct/store-memory";
import { completedMessage } from "../../../test-utils/messages.js";
import { createFsStore } from "../src/index.js";

// The fastest plain async read on Node 20 (the store uses the same one).
const readFile = promisify(readFileCallback);

const ROUNDS = 3;
const RUN = "0190c2a4-7a1b-7c3d-8e4f-0000000be4c5";
const TARGETS = { save: 1.5, get: 1.3 };

interface Workload {
  label: string;
  count: number;
  bytes: number;
}

const WORKLOADS: Workload[] = [
  { label: "10,000 × 1 KB", count: 10_000, bytes: 1024 },
  { label: "100 × 1 MB", count: 100, bytes: 1024 * 1024 },
];

function makeMessage(i: number, bytes: number): Message {
  const base: Message = completedMessage({
    id: `m${i}`,
    runId: RUN,
    content: "",
    schema: { name: "bench", version: "1.0.0" },
    source: "connector:bench",
  });
  const overhead = JSON.stringify(base).length;
  base.content = randomBytes(bytes)
    .toString("base64")
    .slice(0, Math.max(0, bytes - overhead));
  return base;
}

const keyOf = (i: number) => `m/${String(i).padStart(5, "0")}`;

/** What the store is measured against: the same durable write with plain fs calls. */
function plainFsBaseline(dir: string) {
  const fileOf = (i: number) => join(dir, `${String(i).padStart(5, "0")}.json`);
  return {
    async save(i: number, message: Message) {
      const file = fileOf(i);
      const temp = join(dir, `.${i}.${process.pid}.tmp`);
      const handle = await open(temp, "wx", 0o600);
      try {
        await handle.writeFile(JSON.stringify(message));
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, file);
      // The same folder sync the store does after it publishes a value.
      const folder = await open(dir, "r");
      try {
        await folder.sync();
      } finally {
        await folder.close();
      }
    },
    async get(i: number): Promise<unknown> {
      return JSON.parse(await readFile(fileOf(i), "utf8"));
    },
  };
}

interface Side {
  save(i: number, message: Message): Promise<unknown>;
  get(i: number): Promise<unknown>;
}

const storeSide = (store: ArtifactStore): Side => ({
  save: (i, message) => store.save(RUN, keyOf(i), message),
  get: (i) => store.get(RUN, keyOf(i)),
});

/** Seconds taken by `count` sequential calls. */
async function time(count: number, call: (i: number) => Promise<unknown>): Promise<number> {
  globalThis.gc?.();
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) await call(i);
  return Number(process.hrtime.bigint() - start) / 1e9;
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
const opsPerSecond = (count: number, seconds: number) =>
  Math.round(count / seconds).toLocaleString("en-US");

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "wct-store-bench-"));
  const rows: string[][] = [];
  try {
    const baselineDir = join(dir, "baseline");
    await mkdir(baselineDir, { recursive: true, mode: 0o700 });
    const sides: Record<"baseline" | "fs" | "memory", Side> = {
      baseline: plainFsBaseline(baselineDir),
      fs: storeSide(createFsStore({ baseDir: join(dir, "store") })),
      memory: storeSide(createMemoryStore()),
    };

    for (const workload of WORKLOADS) {
      const messages = Array.from({ length: workload.count }, (_, i) =>
        makeMessage(i, workload.bytes),
      );
      const seconds = {
        save: { baseline: [] as number[], fs: [] as number[], memory: [] as number[] },
        get: { baseline: [] as number[], fs: [] as number[], memory: [] as number[] },
      };
      for (let round = 0; round < ROUNDS; round++) {
        const order: ("baseline" | "fs" | "memory")[] =
          round % 2 === 0 ? ["baseline", "fs", "memory"] : ["fs", "baseline", "memory"];
        for (const name of order) {
          const side = sides[name];
          seconds.save[name].push(
            await time(workload.count, (i) => side.save(i, messages[i] as Message)),
          );
        }
        for (const name of order) {
          seconds.get[name].push(await time(workload.count, (i) => sides[name].get(i)));
        }
      }
      for (const op of ["save", "get"] as const) {
        const baseline = median(seconds[op].baseline);
        const fs = median(seconds[op].fs);
        const ratio = fs / baseline;
        rows.push([
          workload.label,
          op,
          opsPerSecond(workload.count, baseline),
          opsPerSecond(workload.count, fs),
          `${ratio.toFixed(2)}×`,
          `≤ ${TARGETS[op]}× ${ratio <= TARGETS[op] ? "met" : "MISSED"}`,
          opsPerSecond(workload.count, median(seconds[op].memory)),
        ]);
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }

  const header = [
    "workload",
    "op",
    "plain fs ops/s",
    "fs store ops/s",
    "time store/plain",
    "target",
    "memory store ops/s",
  ];
  const table = [header, ...rows];
  const widths = header.map((_, c) => Math.max(...table.map((row) => (row[c] ?? "").length)));
  const line = (row: string[]) => row.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join(" | ");
  console.log(`fs store vs plain node:fs/promises, median of ${ROUNDS} rounds (sequential calls)`);
  console.log(line(header));
  console.log(widths.map((w) => "-".repeat(w)).join("-|-"));
  for (const row of rows) console.log(line(row));
}

await main();
