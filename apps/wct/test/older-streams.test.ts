import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { createStore, gzipCodec } from "@wct/store-core";
import { createFsDriver } from "@wct/store-fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TREE_SCAN_RUNBOOK } from "./fixtures/folders.js";
import { readArtifact, removeDir, runIdFrom, tempDir } from "./helpers.js";
import { wctInProcess } from "./in-process.js";

// Runs stored before brotli became the default hold gzip'd streams (`<artifact>.jsonl.gz`).
// Here the real runner writes one with the gzip stage, and today's wct reads it back.
let dir: string;
let runId: string;

const gzipStore = (spec: string, cwd: string) =>
  createStore(createFsDriver({ baseDir: isAbsolute(spec) ? spec : resolve(cwd, spec) }), {
    codecs: [gzipCodec()],
  });

beforeAll(async () => {
  dir = tempDir("wct-older-streams-");
  for (let d = 0; d < 3; d++) {
    mkdirSync(join(dir, "tree", `d${d}`), { recursive: true });
    for (let f = 0; f < 20; f++) {
      writeFileSync(
        join(dir, "tree", `d${d}`, `f${f}.txt`),
        `note ${d}/${f}: mail p${d}_${f}@example.org\n`,
      );
    }
  }
  writeFileSync(join(dir, "rb.yaml"), TREE_SCAN_RUNBOOK);
  const run = await wctInProcess(["run", "rb.yaml", "--store", "s"], {
    cwd: dir,
    openStore: gzipStore,
  });
  expect(run.code, run.stderr).toBe(0);
  runId = runIdFrom(run.stderr);
}, 60_000);

afterAll(() => removeDir(dir));

describe("runs whose streamed artifacts were stored with gzip", () => {
  it("hold <artifact>.jsonl.gz files", () => {
    const names = readdirSync(join(dir, "s", "runs", runId));
    expect(names.filter((name) => name.includes(".jsonl"))).toEqual(
      expect.arrayContaining(["files.jsonl.gz"]),
    );
    expect(names.some((name) => name.endsWith(".jsonl.br"))).toBe(false);
  });

  it("inspect --json prints a gzip'd artifact's whole Message", async () => {
    const shown = await wctInProcess(["inspect", runId, "files", "--json", "--store", "s"], {
      cwd: dir,
    });
    expect(shown.code, shown.stderr).toBe(0);
    expect(JSON.parse(shown.stdout)).toEqual(readArtifact(join(dir, "s"), runId, "files"));
  });

  it("inspect pages a gzip'd artifact's records", async () => {
    const shown = await wctInProcess(
      ["inspect", runId, "files", "--store", "s", "--offset", "1", "--limit", "1"],
      { cwd: dir },
    );
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain("1 of 60 records shown (from 1)");
  });

  it("resume keeps the gzip'd artifacts, their digests verified", async () => {
    const resumed = await wctInProcess(
      ["run", "rb.yaml", "--store", "s", "--resume", runId, "--json"],
      {
        cwd: dir,
      },
    );
    expect(resumed.code, resumed.stderr).toBe(0);
    const artifacts = JSON.parse(resumed.stdout).artifacts as { id: string; kept: boolean }[];
    expect(
      artifacts
        .filter((a) => a.kept)
        .map((a) => a.id)
        .sort(),
    ).toEqual(["files", "findings"]);
    expect(readdirSync(join(dir, "s", "runs", runId))).toContain("files.jsonl.gz");
  });

  it("a later run reuses a gzip'd artifact and stores it with brotli", async () => {
    writeFileSync(
      join(dir, "reuse.yaml"),
      `name: reuse\ndescription: reuse\nartifacts:\n  files:\n    reuse: { from_run: ${runId}, artifact: files }\n`,
    );
    const run = await wctInProcess(["run", "reuse.yaml", "--store", "s"], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    const reused = runIdFrom(run.stderr);
    const shown = await wctInProcess(["inspect", reused, "files", "--json", "--store", "s"], {
      cwd: dir,
    });
    expect(shown.code, shown.stderr).toBe(0);
    const older = readArtifact(join(dir, "s"), runId, "files") as { content: unknown };
    expect(JSON.parse(shown.stdout).content).toEqual(older.content);
  });
});
