import { existsSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { failedRun, RUN_RUNBOOK, runFolder } from "./fixtures/folders.js";
import {
  filesBelow,
  invocations,
  readArtifact,
  readRunJson,
  removeDir,
  runIdFrom,
} from "./helpers.js";
import { wctInProcess } from "./in-process.js";

let folder: ReturnType<typeof runFolder>;
let dir: string;
let trace: string;
let store: string;
let env: Record<string, string>;

beforeEach(() => {
  folder = runFolder();
  ({ dir, trace, store, env } = folder);
});

afterEach(() => removeDir(dir));

describe("wct run", () => {
  it("a clean run exits 0, prints the run id and a summary table, and stores every artifact", async () => {
    const result = await wctInProcess(["run", "rb.yaml"], { cwd: dir, env });
    expect(result.code).toBe(0);
    const runId = runIdFrom(result.stderr);
    expect(result.stdout).toMatch(/ARTIFACT\s+STATUS\s+DURATION/);
    expect(readRunJson(store, runId)).toMatchObject({ run_id: runId, status: "completed" });
    expect(readArtifact(store, runId, "c")).toMatchObject({ content: [6] });
    expect(readArtifact(store, runId, "e")).toMatchObject({ content: [15] });
  });

  it("--json prints one JSON summary on stdout", async () => {
    const result = await wctInProcess(["run", "rb.yaml", "--json"], { cwd: dir, env });
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary.status).toBe("completed");
    expect(summary.artifacts.map((a: { id: string }) => a.id).sort()).toEqual([
      "a",
      "b",
      "c",
      "d",
      "e",
    ]);
    expect(summary.artifacts[0]).toHaveProperty("duration_ms");
  });

  it("--quiet prints nothing on success", async () => {
    const result = await wctInProcess(["run", "rb.yaml", "--quiet"], { cwd: dir, env });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe("");
  });

  it("a failed artifact exits 1, skips its dependents and lets independent branches finish", async () => {
    writeFileSync(join(dir, "fail"), "");
    const result = await wctInProcess(["run", "rb.yaml", "--json"], { cwd: dir, env });
    expect(result.code).toBe(1);
    const byId = Object.fromEntries(
      JSON.parse(result.stdout).artifacts.map((a: { id: string; status: string }) => [
        a.id,
        a.status,
      ]),
    );
    expect(byId).toEqual({
      a: "completed",
      b: "failed",
      c: "skipped",
      d: "completed",
      e: "completed",
    });
  });

  it("resume after a failure re-runs only the failed and skipped artifacts", async () => {
    const runId = await failedRun(folder);
    const resumed = await wctInProcess(["run", "rb.yaml", "--resume", runId.slice(0, 13)], {
      cwd: dir,
      env,
    });
    expect(resumed.code).toBe(0);
    expect(invocations(trace).sort()).toEqual(["process b", "process c"]);
    const run = readRunJson(store, runId);
    expect(run.status).toBe("completed");
    expect((run.attempts as unknown[]).length).toBe(2);
  });

  it("resuming a completed run does nothing and exits 0", async () => {
    const first = await wctInProcess(["run", "rb.yaml"], { cwd: dir, env });
    const runId = runIdFrom(first.stderr);
    rmSync(trace, { recursive: true, force: true });
    const again = await wctInProcess(["run", "rb.yaml", "--resume", runId], { cwd: dir, env });
    expect(again.code).toBe(0);
    expect(invocations(trace)).toEqual([]);
  });

  it("resume is refused with exit 2 when the runbook changed", async () => {
    const runId = await failedRun(folder);
    writeFileSync(join(dir, "rb.yaml"), RUN_RUNBOOK.replace("count: 5", "count: 6"));
    const resumed = await wctInProcess(["run", "rb.yaml", "--resume", runId], { cwd: dir, env });
    expect(resumed.code).toBe(2);
    expect(resumed.stderr).toContain("ERR_RUNBOOK_CHANGED");
    expect(resumed.stderr).toContain("rb.yaml");
    expect(invocations(trace)).toEqual([]);
  });

  it("resume of an unknown run exits 2", async () => {
    const result = await wctInProcess(["run", "rb.yaml", "--resume", "0000dead"], {
      cwd: dir,
      env,
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("ERR_RUN_NOT_FOUND");
  });

  it("a truncated artifact file of a completed artifact is detected on resume and runs again", async () => {
    const runId = await failedRun(folder);
    truncateSync(join(store, "runs", runId, "a.json"), 10);
    const resumed = await wctInProcess(["run", "rb.yaml", "--resume", runId], { cwd: dir, env });
    expect(resumed.code).toBe(0);
    expect(invocations(trace).sort()).toEqual(["extract a", "process b", "process c"]);
    expect(readArtifact(store, runId, "c")).toMatchObject({ content: [6] });
  });

  it("a secret given through an environment variable appears nowhere under the store folder", async () => {
    const secret = "s3cr3t-Token-Value-1234567890";
    writeFileSync(
      join(dir, "secret.yaml"),
      `name: "secret \${WCT_E2E_SECRET}"
description: "uses \${WCT_E2E_SECRET}"
plugins: [./test-plugin.mjs]
artifacts:
  s:
    source: { type: secret_echo, properties: { token: "\${WCT_E2E_SECRET}" } }
    output: true
`,
    );
    const result = await wctInProcess(["run", "secret.yaml"], {
      cwd: dir,
      env: { ...env, WCT_E2E_SECRET: secret },
    });
    expect(result.code).toBe(0);
    const files = filesBelow(store);
    expect(files.length).toBeGreaterThan(3);
    for (const file of files) expect(readFileSync(file, "utf8")).not.toContain(secret);
  });

  it("reuse of a missing run exits 2 before any component runs", async () => {
    writeFileSync(
      join(dir, "reuse.yaml"),
      `name: reuse
description: reuses a run that does not exist
plugins: [./test-plugin.mjs]
artifacts:
  d:
    source: { type: numbers }
  old:
    reuse: { from_run: 01234567-89ab-7def-8123-456789abcdef, artifact: a }
  total:
    inputs: old
    process: { type: sum }
`,
    );
    const result = await wctInProcess(["run", "reuse.yaml"], { cwd: dir, env });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("ERR_REUSE_RUN_NOT_FOUND");
    expect(invocations(trace)).toEqual([]);
  });

  it("reuse copies a completed artifact of an earlier run with its schema and provenance", async () => {
    const first = await wctInProcess(["run", "rb.yaml"], { cwd: dir, env });
    const source = runIdFrom(first.stderr);
    writeFileSync(
      join(dir, "reuse.yaml"),
      `name: reuse
description: reuses a
plugins: [./test-plugin.mjs]
artifacts:
  old:
    reuse: { from_run: "${source}", artifact: c }
  total:
    inputs: old
    process: { type: sum }
    output: true
`,
    );
    const result = await wctInProcess(["run", "reuse.yaml"], { cwd: dir, env });
    expect(result.code).toBe(0);
    const runId = runIdFrom(result.stderr);
    expect(readArtifact(store, runId, "old")).toMatchObject({
      content: [6],
      schema: { name: "numbers", version: "1.0.0" },
      source: `reuse:${source}/c`,
    });
    expect(readArtifact(store, runId, "total")).toMatchObject({ content: [6] });
  });

  it("reuse of an artifact the earlier run did not complete exits 2", async () => {
    const runId = await failedRun(folder);
    writeFileSync(
      join(dir, "reuse.yaml"),
      `name: reuse
description: reuses a failed artifact
plugins: [./test-plugin.mjs]
artifacts:
  old:
    reuse: { from_run: "${runId}", artifact: b }
`,
    );
    const result = await wctInProcess(["run", "reuse.yaml"], { cwd: dir, env });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("ERR_REUSE_ARTIFACT_NOT_FOUND");
  });

  it("--store and WCT_STORE choose where runs are kept", async () => {
    const viaFlag = await wctInProcess(["run", "rb.yaml", "--store", "flagstore"], {
      cwd: dir,
      env,
    });
    expect(viaFlag.code).toBe(0);
    expect(existsSync(join(dir, "flagstore", "runs", runIdFrom(viaFlag.stderr)))).toBe(true);
    const viaEnv = await wctInProcess(["run", "rb.yaml"], {
      cwd: dir,
      env: { ...env, WCT_STORE: "envstore" },
    });
    expect(viaEnv.code).toBe(0);
    expect(existsSync(join(dir, "envstore", "runs", runIdFrom(viaEnv.stderr)))).toBe(true);
  });
});
