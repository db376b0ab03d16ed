import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  filesBelow,
  readArtifact,
  removeDir,
  runIdFrom,
  startWct,
  TEST_PLUGIN,
  tempDir,
  wct,
} from "./helpers.js";

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

// A small deterministic PRNG so a failing kill moment can be reproduced.
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let dir: string;
let expected: Record<string, unknown>;

beforeAll(async () => {
  dir = tempDir();
  copyFileSync(TEST_PLUGIN, join(dir, "test-plugin.mjs"));
  writeFileSync(join(dir, "rb.yaml"), crashRunbook());
  const clean = await wct(["run", "rb.yaml", "--store", "clean"], { cwd: dir });
  expect(clean.code).toBe(0);
  const cleanId = runIdFrom(clean.stderr);
  expected = Object.fromEntries(
    IDS.map((id) => [id, readArtifact(join(dir, "clean"), cleanId, id).content]),
  );
});

afterAll(() => removeDir(dir));

describe("kill -9 then resume", () => {
  it("20 runs killed with SIGKILL at random moments each resume to the same artifacts as a clean run", async () => {
    const random = mulberry32(20261126);
    for (let i = 0; i < 20; i++) {
      const storeName = `store${i}`;
      const run = startWct(["run", "rb.yaml", "--store", storeName], { cwd: dir });
      // Plain progress lines: "run <id> started", then started/completed per artifact.
      const killAfter = 1 + Math.floor(random() * 2 * IDS.length);
      const lines = await run.stderrLines(killAfter);
      run.child.kill("SIGKILL");
      const killed = await run.done;
      const runId = runIdFrom(lines.join("\n") || killed.stderr);
      const store = join(dir, storeName);
      // Hidden files are the store's temporary files: never read as data.
      for (const file of filesBelow(store).filter((f) => !basename(f).startsWith("."))) {
        expect(() => JSON.parse(readFileSync(file, "utf8")), `${file} parses`).not.toThrow();
      }
      const resumed = await wct(["run", "rb.yaml", "--store", storeName, "--resume", runId], {
        cwd: dir,
      });
      expect(
        resumed.code,
        `iteration ${i} (killed after ${killAfter} lines): ${resumed.stderr}`,
      ).toBe(0);
      const got = Object.fromEntries(IDS.map((id) => [id, readArtifact(store, runId, id).content]));
      expect(got).toEqual(expected);
    }
  }, 240_000);
});
