import { copyFileSync, existsSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  readArtifact,
  readRunJson,
  removeDir,
  runIdFrom,
  startWct,
  TEST_PLUGIN,
  tempDir,
  waitForFile,
} from "./helpers.js";
import { wctInProcess } from "./in-process.js";

const RUNBOOK = `name: e2e
description: end-to-end test runbook
plugins: [./test-plugin.mjs]
artifacts:
  a:
    source: { type: numbers, properties: { count: 3 } }
  b:
    inputs: a
    process: { type: sum, properties: { fail_if_exists: fail, wait_for_file: go, started_file: b-started } }
    output: true
  c:
    inputs: b
    process: { type: sum }
  d:
    source: { type: numbers, properties: { count: 5 } }
  e:
    inputs: d
    process: { type: sum }
    output: true
`;

let dir: string;
let trace: string;
let store: string;
let env: Record<string, string>;

beforeEach(() => {
  dir = tempDir();
  trace = join(dir, "trace");
  store = join(dir, ".waivern");
  env = { WCT_TEST_TRACE: trace };
  copyFileSync(TEST_PLUGIN, join(dir, "test-plugin.mjs"));
  writeFileSync(join(dir, "rb.yaml"), RUNBOOK);
  writeFileSync(join(dir, "go"), "");
});

afterEach(() => removeDir(dir));

async function failedRun(): Promise<string> {
  writeFileSync(join(dir, "fail"), "");
  const first = await wctInProcess(["run", "rb.yaml"], { cwd: dir, env });
  expect(first.code).toBe(1);
  rmSync(join(dir, "fail"));
  rmSync(trace, { recursive: true, force: true });
  return runIdFrom(first.stderr);
}

describe("wct run", () => {
  it("SIGINT stops the run with exit 130, leaves it interrupted and resumable", async () => {
    rmSync(join(dir, "go"));
    const running = startWct(["run", "rb.yaml"], { cwd: dir, env });
    await waitForFile(join(dir, "b-started"));
    running.child.kill("SIGINT");
    const result = await running.done;
    expect(result.code).toBe(130);
    const runId = runIdFrom(result.stderr);
    expect(result.stderr).toContain(`--resume ${runId}`);
    expect(readRunJson(store, runId).status).toBe("interrupted");
    expect(existsSync(join(store, "runs", runId, "_system", "lock.json"))).toBe(false);
    writeFileSync(join(dir, "go"), "");
    const resumed = await wctInProcess(["run", "rb.yaml", "--resume", runId], { cwd: dir, env });
    expect(resumed.code).toBe(0);
    expect(readArtifact(store, runId, "c")).toMatchObject({ content: [6] });
  });

  it("two processes resuming one run: exactly one runs, the other exits 3 naming the holder", async () => {
    const runId = await failedRun();
    rmSync(join(dir, "go"));
    const first = startWct(["run", "rb.yaml", "--resume", runId], { cwd: dir, env });
    await waitForFile(join(dir, "b-started"));
    const second = await wctInProcess(["run", "rb.yaml", "--resume", runId], { cwd: dir, env });
    expect(second.code).toBe(3);
    expect(second.stderr).toContain("ERR_RUN_LOCKED");
    expect(second.stderr).toContain(String(first.child.pid));
    writeFileSync(join(dir, "go"), "");
    expect((await first.done).code).toBe(0);
  });

  it("a run whose owner was killed is taken over by resume, which says so", async () => {
    rmSync(join(dir, "go"));
    const victim = startWct(["run", "rb.yaml"], { cwd: dir, env });
    await waitForFile(join(dir, "b-started"));
    const runId = runIdFrom(victim.stderr());
    victim.child.kill("SIGKILL");
    await victim.done;
    expect(readRunJson(store, runId).status).toBe("running");
    const listed = JSON.parse((await wctInProcess(["runs", "--json"], { cwd: dir, env })).stdout);
    expect(listed.find((r: { run_id: string }) => r.run_id === runId)).toMatchObject({
      status: "running",
      stale: true,
    });
    writeFileSync(join(dir, "go"), "");
    const resumed = await wctInProcess(["run", "rb.yaml", "--resume", runId], { cwd: dir, env });
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toMatch(/took over/);
    expect(readRunJson(store, runId).status).toBe("completed");
  });
});
