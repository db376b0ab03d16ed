import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { wctInProcess } from "./in-process.js";

// The size issue 13 names (a validate of it once died at 806 MB): a merge of them all
// lists them in one short line, and no row of the table is padded to its width.
const FAN_OUT = 10_000;

// One source, FAN_OUT processors reading it, one merge of all of them.
function fanOutRunbook(): string {
  const lines = [
    "name: fan-out",
    "description: one source, many processors, one merge",
    "artifacts:",
    "  src:",
    "    source:",
    "      type: filesystem",
    "      properties: { path: ./data }",
  ];
  const ids: string[] = [];
  for (let i = 0; i < FAN_OUT; i++) {
    ids.push(`c${i}`);
    lines.push(`  c${i}:`, "    inputs: src", "    process:", "      type: personal_data");
  }
  lines.push(
    "  all:",
    `    inputs: [${ids.join(", ")}]`,
    "    merge: concatenate",
    "    output: true",
  );
  return `${lines.join("\n")}\n`;
}

describe("a runbook of 10,000 artifacts", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "wct-large-"));
    await mkdir(join(dir, "data"));
    await writeFile(join(dir, "runbook.yaml"), fanOutRunbook());
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("validates and prints one short line per artifact", { timeout: 60_000 }, async () => {
    const result = await wctInProcess(["validate", "runbook.yaml"], { cwd: dir });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const rows = result.stdout.trimEnd().split("\n").slice(3);
    expect(rows).toHaveLength(FAN_OUT + 2);
    const merge = rows.find((row) => row.startsWith("all "));
    expect(merge).toContain(
      `merge of ${FAN_OUT.toLocaleString("en-US")} inputs: c0, c1, c2, …, c${FAN_OUT - 1}`,
    );
    // Linear: no row is padded to the merge's width, so every row stays short.
    expect(Math.max(...rows.map((row) => row.length))).toBeLessThan(200);
  });
});
