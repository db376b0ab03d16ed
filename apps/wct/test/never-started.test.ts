import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { createFsStore } from "@wct/store-fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { deadPid } from "../../../test-utils/dead-pid.js";
import { wctInProcess } from "./in-process.js";

const RUN = "0190c2a4-7a1b-7c3d-8e4f-0000000be4c5";

describe("a run killed before it began, through the CLI", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "wct-unborn-"));
    await writeFile(join(dir, "a.txt"), "hello\n");
    await writeFile(
      join(dir, "runbook.yaml"),
      "name: unborn\ndescription: one source\nartifacts:\n  files:\n    source: { type: filesystem, properties: { path: ./a.txt } }\n    output: true\n",
    );
    // What the killed process left: its lease, no run.json.
    const dead = await deadPid();
    const now = new Date();
    const store = createFsStore({ baseDir: join(dir, ".waivern") });
    await store.createJson(RUN, "_system/lock", {
      pid: dead,
      hostname: hostname(),
      started: now.toISOString(),
      heartbeat: now.toISOString(),
      expires: new Date(now.getTime() + 60_000).toISOString(),
      run_id: RUN,
      owner: "killed",
    });
    await store.close();
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("wct runs lists it as never started", async () => {
    const result = await wctInProcess(["runs", "--json"], { cwd: dir });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual([
      { run_id: RUN, status: "never_started", size_bytes: expect.any(Number) },
    ]);
  });

  it("wct run --resume starts it afresh and completes it", async () => {
    const result = await wctInProcess(["run", "runbook.yaml", "--resume", RUN.slice(0, 13)], {
      cwd: dir,
    });
    expect(result.code, result.stderr).toBe(0);
    const runs = await wctInProcess(["runs", "--json"], { cwd: dir });
    expect(JSON.parse(runs.stdout)).toMatchObject([{ run_id: RUN, status: "completed" }]);
  });
});
