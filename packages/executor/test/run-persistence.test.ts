import { describe, expect, it } from "vitest";
import { ExecutorErrorCode, type RunEvent, runPlan } from "../src/index.js";
import {
  countingStore,
  createHarness,
  createMemoryStore,
  DATA,
  dumpStore,
  makePlan,
} from "./fixtures/run/helpers.js";

describe("persistence", () => {
  it("writes run.json with the run's metadata and one attempt", async () => {
    const h = createHarness();
    const store = createMemoryStore();
    const plan = makePlan([{ id: "a", component: "emit" }]);
    const summary = await runPlan(plan, {
      store,
      registry: h.registry,
      runId: "r1",
      runbookPath: "./runbook.yaml",
    });
    const run = await store.getJson<Record<string, unknown>>("r1", "_system/run");
    expect(run).toMatchObject({
      run_id: "r1",
      runbook_path: "./runbook.yaml",
      runbook_hash: plan.runbookHash,
      status: "completed",
      started_at: summary.started_at,
      completed_at: summary.completed_at,
      files: [{ path: "runbook.yaml", sha256: plan.files[0]!.sha256 }],
      attempts: [{ attempt: 1, status: "completed", pid: process.pid }],
    });
  });

  it("writes state.json with the artifacts by status and their digests", async () => {
    const h = createHarness();
    const store = createMemoryStore();
    const plan = makePlan([
      { id: "ok", component: "emit" },
      { id: "bad", component: "emit", properties: { fail: "x" } },
      { id: "after_bad", component: "combine", inputs: ["bad"] },
    ]);
    await runPlan(plan, { store, registry: h.registry, runId: "r1" });
    const state = await store.getJson<Record<string, unknown>>("r1", "_system/state");
    expect(state).toMatchObject({
      completed: ["ok"],
      failed: ["bad"],
      skipped: ["after_bad"],
      not_started: [],
      errors: {
        bad: { code: ExecutorErrorCode.ComponentFailed },
        after_bad: { code: ExecutorErrorCode.UpstreamFailed },
      },
    });
    expect(Object.keys(state["digests"] as object)).toEqual(["ok"]);
    expect(typeof state["last_checkpoint"]).toBe("string");
  });

  it("writes plan.json with the runbook text and the graph without property values", async () => {
    const h = createHarness();
    const store = createMemoryStore();
    const plan = makePlan([{ id: "a", component: "emit", properties: { value: "v" } }], {
      text: "name: t\nartifacts:\n  a:\n    source: { type: emit }\n",
    });
    await runPlan(plan, { store, registry: h.registry, runId: "r1" });
    const stored = await store.getJson<Record<string, unknown>>("r1", "_system/plan");
    expect(stored["files"]).toEqual(plan.files);
    expect(stored["artifacts"]).toEqual([
      expect.objectContaining({ id: "a", kind: "source", component: "emit", inputs: [] }),
    ]);
    expect(JSON.stringify(stored)).not.toContain("properties");
  });

  it("never stores a secret substituted into properties", async () => {
    const h = createHarness();
    const store = createMemoryStore();
    const secret = "s3cr3t-token-from-env";
    const plan = makePlan(
      [
        { id: "a", component: "emit", properties: { password: secret } },
        { id: "b", component: "combine", inputs: ["a"], properties: { token: secret } },
        { id: "c", component: "emit", properties: { password: secret, fail: "no" } },
      ],
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the runbook text as written
      { text: "artifacts:\n  a:\n    source: { type: emit, properties: { password: ${PW} } }\n" },
    );
    await runPlan(plan, { store, registry: h.registry, runId: "r1" });
    const everything = await dumpStore(store);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the runbook text as written
    expect(everything).toContain("${PW}");
    expect(everything).not.toContain(secret);
  });

  it("saves each artifact's Message with its provenance and execution record", async () => {
    const h = createHarness();
    const store = createMemoryStore();
    const plan = makePlan([
      { id: "a", component: "emit", properties: { value: { n: 1 } } },
      {
        id: "child__b",
        component: "emit",
        properties: { fail: "broken" },
        origin: { file: "child.yaml", artifact: "b" },
      },
    ]);
    await runPlan(plan, { store, registry: h.registry, runId: "r1" });
    const a = await store.get("r1", "a");
    expect(a).toMatchObject({
      id: "a",
      schema: DATA,
      content: { n: 1 },
      run_id: "r1",
      source: "connector:emit",
      execution: { status: "completed", error: null, origin: "source", alias: null },
    });
    const b = await store.get("r1", "child__b");
    expect(b).toMatchObject({
      content: null,
      execution: {
        status: "failed",
        error: { code: ExecutorErrorCode.ComponentFailed },
        alias: "b",
      },
    });
  });

  it("coalesces state checkpoints of a wide fan-out and writes the right final state", async () => {
    const h = createHarness();
    const { store, writes } = countingStore(createMemoryStore());
    const width = 200;
    const specs = [
      { id: "root", component: "emit" },
      ...Array.from({ length: width }, (_, i) => ({
        id: `leaf${i}`,
        component: "combine",
        inputs: ["root"],
      })),
    ];
    await runPlan(makePlan(specs, { maxConcurrency: 50 }), {
      store,
      registry: h.registry,
      runId: "r1",
    });
    expect(writes.get("_system/state")!).toBeLessThan(width / 4);
    const state = await store.getJson<{ completed: string[]; not_started: string[] }>(
      "r1",
      "_system/state",
    );
    expect(state.completed).toHaveLength(width + 1);
    expect(state.not_started).toEqual([]);
  });

  it("emits run_started, artifact events and run_finished with the summary", async () => {
    const h = createHarness();
    const events: RunEvent[] = [];
    const plan = makePlan([{ id: "a", component: "emit" }]);
    const summary = await runPlan(plan, {
      store: createMemoryStore(),
      registry: h.registry,
      runId: "r1",
      onEvent: (e) => events.push(e),
    });
    expect(events.map((e) => e.type)).toEqual([
      "run_started",
      "artifact_started",
      "artifact_finished",
      "run_finished",
    ]);
    expect(events[0]).toEqual({
      type: "run_started",
      run_id: "r1",
      resumed: false,
      attempt: 1,
      total: 1,
      kept: [],
    });
    expect(events[3]).toEqual({ type: "run_finished", summary });
  });

  it("gives a new run a time-ordered UUIDv7 id", async () => {
    const h = createHarness();
    const store = createMemoryStore();
    const plan = makePlan([{ id: "a", component: "emit" }]);
    const first = await runPlan(plan, { store, registry: h.registry });
    const second = await runPlan(plan, { store, registry: h.registry });
    expect(first.run_id).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(first.run_id.slice(0, 8) <= second.run_id.slice(0, 8)).toBe(true);
  });

  it("refuses a new run whose id is taken with ERR_RUN_EXISTS", async () => {
    const h = createHarness();
    const store = createMemoryStore();
    const plan = makePlan([{ id: "a", component: "emit" }]);
    await runPlan(plan, { store, registry: h.registry, runId: "r1" });
    await expect(runPlan(plan, { store, registry: h.registry, runId: "r1" })).rejects.toMatchObject(
      { code: ExecutorErrorCode.RunExists },
    );
  });
});

describe("a store that fails under the run", () => {
  it("rejects with the store's error, records the attempt as failed and releases the lease", async () => {
    const h = createHarness();
    const store = createMemoryStore();
    const broken = Object.create(store) as typeof store;
    const boom = Object.assign(new Error("disk full"), { code: "ERR_STORE_BACKEND" });
    broken.saveMessageText = async (runId, key, envelope, content) => {
      if (key === "b") throw boom;
      return store.saveMessageText!(runId, key, envelope, content);
    };
    broken.save = async (runId, key, message) => {
      if (key === "b") throw boom;
      return store.save(runId, key, message);
    };
    const plan = makePlan([
      { id: "a", component: "emit" },
      { id: "b", component: "emit" },
    ]);
    await expect(
      runPlan(plan, { store: broken, registry: h.registry, runId: "r1" }),
    ).rejects.toMatchObject({ code: "ERR_STORE_BACKEND" });
    const run = await store.getJson<{ status: string; attempts: { status: string }[] }>(
      "r1",
      "_system/run",
    );
    expect(run.status).toBe("failed");
    expect(run.attempts.map((a) => a.status)).toEqual(["failed"]);
    expect(await store.exists("r1", "_system/lock")).toBe(false);
  });
});
