import { existsSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { failedRun, runFolder } from "./fixtures/folders.js";
import {
  readArtifact,
  readRunJson,
  removeDir,
  runIdFrom,
  startWct,
  waitForFile,
} from "./helpers.js";
import { wctInProcess } from "./in-process.js";

let folder: ReturnType<typeof runFolder>;
let dir: string;
let store: string;
let env: Record<string, string>;

beforeEach(() => {
  folder = runFolder();
  ({ dir, store, env } = folder);
});

afterEach(() => removeDir(dir));

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
    const runId = await failedRun(folder);
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
