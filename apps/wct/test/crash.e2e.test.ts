// The one kill -9 scenario of a whole run: `wct run` (and sometimes the resume of it)
// killed at seeded moments, then resumed to the artifacts of a clean run, with no
// temporary file of the killed writers left behind. The store's own torn-write test is
// packages/store-fs/test/crash-safety.test.ts. Soak runs:
// WCT_CRASH_TRIALS=200 WCT_CRASH_SEED=<n> pnpm vitest run apps/wct/test/crash.e2e.test.ts
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mulberry32 } from "../../../test-utils/seeded-random.js";
import { pluginFolder } from "./fixtures/folders.js";
import { filesBelow, readArtifact, removeDir, runIdFrom, startWct } from "./helpers.js";
import { wctInProcess } from "./in-process.js";

/**
 * How many runs are killed: as many as a soak run wants. By default three, one in each
 * third of the run's progress lines (see {@link killMoment}), the first one's resume
 * killed too: every spawn of the binary costs most of a CPU-second.
 */
const TRIALS = Number(process.env.WCT_CRASH_TRIALS ?? 3);
/** Fixes every kill moment; printed with any failure so it can be replayed. */
const SEED = Number(process.env.WCT_CRASH_SEED ?? 20261126);
/** Every how many trials the resume itself is killed too (its lease taken over again). */
const KILL_RESUME_EVERY = 3;

/**
 * The progress line after which trial `i` kills the run: drawn within the `i`-th of
 * TRIALS equal slices of the run's lines, so that a few trials still reach every part
 * of the run and many trials spread evenly over it.
 */
function killMoment(random: () => number, i: number): number {
  const lines = 2 * IDS.length;
  return 1 + Math.floor(((i + random()) * lines) / TRIALS);
}

// 24 artifacts: four sources, each feeding a chain of five sums.
function crashRunbook(): string {
  const lines = [
    "name: crash",
    "description: kill -9 test",
    "plugins: [./test-plugin.mjs]",
    "artifacts:",
  ];
  for (let s = 0; s < 4; s++) {
    lines.push(`  src${s}:`, `    source: { type: numbers, properties: { count: ${s + 2} } }`);
    let prev = `src${s}`;
    for (let k = 0; k < 5; k++) {
      const id = `sum${s}_${k}`;
      lines.push(`  ${id}:`, `    inputs: ${prev}`, "    process: { type: sum }");
      prev = id;
    }
  }
  return `${lines.join("\n")}\n`;
}

const IDS = Array.from({ length: 4 }, (_, s) => [
  `src${s}`,
  ...Array.from({ length: 5 }, (_, k) => `sum${s}_${k}`),
]).flat();

/**
 * Starts `wct run` (or its resume), SIGKILLs it after `lines` progress lines; returns
 * the lines it printed and its (now dead) pid.
 */
async function runAndKill(
  store: string,
  lines: number,
  resume?: string,
): Promise<{ lines: string[]; pid: number }> {
  const args = ["run", "rb.yaml", "--store", store, ...(resume ? ["--resume", resume] : [])];
  const run = startWct(args, { cwd: dir });
  // Plain progress lines: "run <id> started", then started/completed per artifact.
  const seen = await run.stderrLines(lines);
  run.child.kill("SIGKILL");
  const killed = await run.done;
  return { lines: seen.length > 0 ? seen : killed.stderr.split("\n"), pid: run.child.pid! };
}

/** The store's temporary files (`.<file>.<pid>.<token>.tmp`) in a run's folder. */
function tempFiles(store: string, runId: string): string[] {
  return filesBelow(join(store, "runs", runId)).filter((f) => f.endsWith(".tmp"));
}

/** Every stored file parses; hidden files are the store's temporary files, never data. */
function expectEveryFileParses(store: string, what: string): void {
  for (const file of filesBelow(store).filter((f) => !basename(f).startsWith("."))) {
    expect(() => JSON.parse(readFileSync(file, "utf8")), `${what}: ${file} parses`).not.toThrow();
  }
}

let dir: string;
let expected: Record<string, unknown>;

beforeAll(async () => {
  ({ dir } = pluginFolder());
  writeFileSync(join(dir, "rb.yaml"), crashRunbook());
  const clean = await wctInProcess(["run", "rb.yaml", "--store", "clean"], { cwd: dir });
  expect(clean.code).toBe(0);
  const cleanId = runIdFrom(clean.stderr);
  expected = Object.fromEntries(
    IDS.map((id) => [id, readArtifact(join(dir, "clean"), cleanId, id).content]),
  );
});

afterAll(() => removeDir(dir));

describe("kill -9 then resume", () => {
  it(
    "runs killed with SIGKILL at seeded moments each resume to the artifacts of a clean run, their temporary files removed",
    async () => {
      const random = mulberry32(SEED);
      for (let i = 0; i < TRIALS; i++) {
        const storeName = `store${i}`;
        const store = join(dir, storeName);
        const killAfter = killMoment(random, i);
        const what = `WCT_CRASH_SEED=${SEED} trial ${i} (killed after ${killAfter} lines)`;
        const killed = await runAndKill(storeName, killAfter);
        const runId = runIdFrom(killed.lines.join("\n"));
        expectEveryFileParses(store, what);
        if (i % KILL_RESUME_EVERY === 0) {
          // The resume takes over the dead process's lease, then dies holding it too.
          await runAndKill(storeName, 1 + Math.floor(random() * IDS.length), runId);
          expectEveryFileParses(store, `${what}, resume killed`);
        }
        // A writer killed mid-write leaves `.<file>.<pid>.<token>.tmp`; where the kill
        // left none, files named by the killed process's pid stand in for them.
        writeFileSync(join(store, "runs", runId, `.src0.json.${killed.pid}.0badf00d1.tmp`), "{");
        writeFileSync(
          join(store, "runs", runId, "_system", `.state.json.${killed.pid}.0badf00d2.tmp`),
          "{",
        );
        // Resuming needs no process of its own: the killed ones are gone.
        const resumed = await wctInProcess(
          ["run", "rb.yaml", "--store", storeName, "--resume", runId],
          { cwd: dir },
        );
        expect(resumed.code, `${what}: ${resumed.stderr}`).toBe(0);
        const got = Object.fromEntries(
          IDS.map((id) => [id, readArtifact(store, runId, id).content]),
        );
        expect(got, what).toEqual(expected);
        expectEveryFileParses(store, `${what}, resumed`);
        expect(tempFiles(store, runId), what).toEqual([]);
        expect(existsSync(join(store, "runs", runId, "_system", "lock.json")), what).toBe(false);
      }
    },
    // Bounded, with room for a loaded machine and for soak runs of many trials.
    Math.max(240_000, TRIALS * 40_000),
  );
});
