import { describe, expect, it } from "vitest";
import { ExecutorErrorCode, listRunRecords, readRunInfo, runPlan } from "../src/index.js";
import { createHarness, createMemoryStore, makePlan } from "./fixtures/run/helpers.js";

function clock(start: string) {
  let t = Date.parse(start);
  return () => {
    t += 1000;
    return new Date(t);
  };
}

describe("run records", () => {
  it("lists runs newest first with their counts and attempts", async () => {
    const store = createMemoryStore();
    const registry = createHarness().registry;
    const ok = makePlan([{ id: "a", component: "emit" }]);
    const bad = makePlan([
      { id: "a", component: "emit", properties: { fail: "x" } },
      { id: "b", component: "combine", inputs: ["a"] },
    ]);
    await runPlan(ok, { store, registry, runId: "old", now: clock("2026-01-01T00:00:00Z") });
    await runPlan(bad, { store, registry, runId: "new", now: clock("2026-02-01T00:00:00Z") });
    const records = await listRunRecords(store);
    expect(records.map((r) => r.run_id)).toEqual(["new", "old"]);
    expect(records[0]).toMatchObject({
      status: "failed",
      counts: { completed: 0, failed: 1, skipped: 1, not_started: 0 },
      attempts: 1,
      started_at: expect.stringMatching(/^2026-02-01T/),
    });
    expect(records[1]).toMatchObject({ status: "completed", runbook_path: ok.runbookPath });
  });

  it("marks a running run stale only once its owner's lease is gone", async () => {
    const store = createMemoryStore();
    const h = createHarness();
    const plan = makePlan([{ id: "a", component: "emit", properties: { gate: "g" } }]);
    const running = runPlan(plan, { store, registry: h.registry, runId: "live" });
    await h.started("a");
    expect((await listRunRecords(store))[0]).toMatchObject({ status: "running", stale: false });
    // The owner dies without releasing: here, its lock disappears with it.
    await store.delete("live", "_system/lock");
    expect((await listRunRecords(store))[0]).toMatchObject({ status: "running", stale: true });
    h.open("g");
    await running;
    expect((await listRunRecords(store))[0]).toMatchObject({ status: "completed", stale: false });
  });

  it("filters by status and limits the count", async () => {
    const store = createMemoryStore();
    const registry = createHarness().registry;
    const ok = makePlan([{ id: "a", component: "emit" }]);
    for (const id of ["r1", "r2", "r3"]) await runPlan(ok, { store, registry, runId: id });
    await runPlan(makePlan([{ id: "a", component: "emit", properties: { fail: "x" } }]), {
      store,
      registry,
      runId: "r4",
    });
    expect((await listRunRecords(store, { status: "failed" })).map((r) => r.run_id)).toEqual([
      "r4",
    ]);
    expect(await listRunRecords(store, { status: "completed", limit: 2 })).toHaveLength(2);
  });

  it("lists a run whose metadata cannot be read as unreadable with the reason", async () => {
    const store = createMemoryStore();
    await runPlan(makePlan([{ id: "a", component: "emit" }]), {
      store,
      registry: createHarness().registry,
      runId: "r1",
    });
    await store.saveJson("broken", "_system/run", { nope: true });
    const records = await listRunRecords(store);
    const broken = records.find((r) => r.run_id === "broken");
    expect(broken).toMatchObject({ status: "unreadable" });
    expect(broken && "reason" in broken ? broken.reason : "").toMatch(/^ERR_/);
    expect(records).toHaveLength(2);
  });

  it("keeps the fields it does not know in run.json and state.json", async () => {
    const store = createMemoryStore();
    await runPlan(makePlan([{ id: "a", component: "emit" }]), {
      store,
      registry: createHarness().registry,
      runId: "r1",
    });
    const run = await store.getJson<Record<string, unknown>>("r1", "_system/run");
    const state = await store.getJson<Record<string, unknown>>("r1", "_system/state");
    await store.saveJson("r1", "_system/run", { ...run, from_a_newer_wct: { x: 1 } });
    await store.saveJson("r1", "_system/state", { ...state, shards: [1, 2] });
    const info = await readRunInfo(store, "r1");
    expect(info.run).toMatchObject({ run_id: "r1", from_a_newer_wct: { x: 1 } });
    expect(info.state).toMatchObject({ completed: ["a"], shards: [1, 2] });
  });

  it("reads a state.json written before digests, durations and errors were recorded", async () => {
    const store = createMemoryStore();
    await runPlan(makePlan([{ id: "a", component: "emit" }]), {
      store,
      registry: createHarness().registry,
      runId: "r1",
    });
    await store.saveJson("r1", "_system/state", {
      completed: ["a"],
      failed: [],
      skipped: [],
      not_started: [],
      last_checkpoint: "2026-01-01T00:00:00.000Z",
    });
    const { state } = await readRunInfo(store, "r1");
    expect(state).toMatchObject({ digests: {}, durations_ms: {}, errors: {} });
  });

  it.each([
    ["run.json without attempts", "_system/run", { drop: "attempts" }],
    ["run.json without run_id", "_system/run", { drop: "run_id" }],
    ["state.json without not_started", "_system/state", { drop: "not_started" }],
    ["run.json whose status is not a string", "_system/run", { set: ["status", 3] }],
    ["state.json whose completed is not a list", "_system/state", { set: ["completed", "a"] }],
    ["state.json listing a number as an artifact id", "_system/state", { set: ["failed", [7]] }],
  ] as const)("refuses a %s as ERR_RUN_CORRUPT", async (_, key, change) => {
    const store = createMemoryStore();
    await runPlan(makePlan([{ id: "a", component: "emit" }]), {
      store,
      registry: createHarness().registry,
      runId: "r1",
    });
    const record = { ...(await store.getJson<Record<string, unknown>>("r1", key)) };
    if ("drop" in change) delete record[change.drop];
    else record[change.set[0]] = change.set[1];
    await store.saveJson("r1", key, record);
    await expect(readRunInfo(store, "r1")).rejects.toMatchObject({
      code: ExecutorErrorCode.RunCorrupt,
    });
  });

  it("reads a run's metadata and state", async () => {
    const store = createMemoryStore();
    await runPlan(makePlan([{ id: "a", component: "emit" }]), {
      store,
      registry: createHarness().registry,
      runId: "r1",
    });
    const info = await readRunInfo(store, "r1");
    expect(info.run.run_id).toBe("r1");
    expect(info.state.completed).toEqual(["a"]);
  });

  it("reports reading an unknown run with ERR_RUN_NOT_FOUND", async () => {
    await expect(readRunInfo(createMemoryStore(), "nope")).rejects.toMatchObject({
      code: ExecutorErrorCode.RunNotFound,
    });
  });
});
