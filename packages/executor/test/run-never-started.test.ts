import { hostname } from "node:os";
import { describe, expect, it } from "vitest";
import { deadPid } from "../../../test-utils/dead-pid.js";
import { ExecutorErrorCode, listRunRecords, runPlan } from "../src/index.js";
import type { LeaseRecord } from "../src/run/index.js";
import { createHarness, createMemoryStore, eventLog, makePlan } from "./fixtures/run/helpers.js";

/**
 * What a process killed in a new run's first milliseconds leaves: its lease (and maybe
 * plan and state), but no run.json, which a new run writes last.
 */
async function neverStartedRun(pid: number) {
  const store = createMemoryStore();
  const now = Date.now();
  const lock: LeaseRecord = {
    pid,
    hostname: hostname(),
    started: new Date(now).toISOString(),
    heartbeat: new Date(now).toISOString(),
    expires: new Date(now + 60_000).toISOString(),
    run_id: "r1",
    owner: "killed",
  };
  await store.createJson("r1", "_system/lock", lock);
  await store.saveJson("r1", "_system/state", { torn: true });
  return store;
}

describe("a run whose process died before the run began", () => {
  it("is listed as never started", async () => {
    const store = await neverStartedRun(await deadPid());
    expect(await listRunRecords(store)).toEqual([
      { run_id: "r1", status: "never_started", size_bytes: expect.any(Number) },
    ]);
  });

  it("resumes by starting afresh under its id, to the results of a clean run", async () => {
    const store = await neverStartedRun(await deadPid());
    const plan = makePlan([{ id: "a", component: "emit" }]);
    const events = eventLog();
    const summary = await runPlan(plan, {
      store,
      registry: createHarness().registry,
      resume: "r1",
      onEvent: events.onEvent,
    });
    expect(summary.status).toBe("completed");
    expect(summary.run_id).toBe("r1");
    expect(events.events.find((e) => e.type === "run_started")).toMatchObject({
      resumed: false,
      attempt: 1,
    });
    const [record] = await listRunRecords(store);
    expect(record).toMatchObject({ run_id: "r1", status: "completed", attempts: 1 });
  });

  it("is not taken while its process is still alive and starting it", async () => {
    const store = await neverStartedRun(process.pid);
    const error = await runPlan(makePlan([{ id: "a", component: "emit" }]), {
      store,
      registry: createHarness().registry,
      resume: "r1",
    }).catch((e) => e);
    expect(error.code).toBe(ExecutorErrorCode.RunLocked);
  });

  it("a resume of a run that holds nothing at all is still ERR_RUN_NOT_FOUND", async () => {
    const error = await runPlan(makePlan([{ id: "a", component: "emit" }]), {
      store: createMemoryStore(),
      registry: createHarness().registry,
      resume: "r1",
    }).catch((e) => e);
    expect(error.code).toBe(ExecutorErrorCode.RunNotFound);
  });
});
