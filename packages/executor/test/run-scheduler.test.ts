import { describe, expect, it } from "vitest";
import { ExecutorErrorCode, runPlan } from "../src/index.js";
import {
  createHarness,
  createMemoryStore,
  DATA,
  eventLog,
  makePlan,
  RESULT,
} from "./fixtures/run/helpers.js";

function statusOf(summary: Awaited<ReturnType<typeof runPlan>>, id: string) {
  return summary.artifacts.find((a) => a.id === id)!;
}

describe("scheduler", () => {
  it("starts an artifact as soon as its inputs complete, without waiting for siblings", async () => {
    const h = createHarness();
    const log = eventLog();
    const plan = makePlan([
      { id: "slow", component: "emit", properties: { gate: "slow" } },
      { id: "fast", component: "emit" },
      { id: "after_fast", component: "combine", inputs: ["fast"] },
      { id: "join", component: "combine", inputs: ["slow", "after_fast"] },
    ]);
    const done = runPlan(plan, {
      store: createMemoryStore(),
      registry: h.registry,
      onEvent: log.onEvent,
    });
    // `after_fast` finishes while `slow` is still held open: no wave barrier.
    await log.waitFor((e) => e.type === "artifact_finished" && e.id === "after_fast");
    expect(h.calls.get("join")).toBeUndefined();
    expect(log.events.some((e) => e.type === "artifact_finished" && e.id === "slow")).toBe(false);
    h.open("slow");
    const summary = await done;
    expect(summary.status).toBe("completed");
    expect(h.calls.get("join")).toBe(1);
  });

  it("never runs more than max_concurrency components at once", async () => {
    const h = createHarness();
    const specs = Array.from({ length: 12 }, (_, i) => ({
      id: `a${i}`,
      component: "emit",
      properties: { gate: "all" },
    }));
    const log = eventLog();
    const done = runPlan(makePlan(specs, { maxConcurrency: 3 }), {
      store: createMemoryStore(),
      registry: h.registry,
      onEvent: log.onEvent,
    });
    await h.started("a2");
    expect(h.running).toBe(3);
    h.open("all");
    const summary = await done;
    expect(summary.status).toBe("completed");
    expect(h.maxRunning).toBe(3);
    expect(h.total()).toBe(12);
  });

  it("starts ready artifacts in plan order", async () => {
    const h = createHarness();
    const log = eventLog();
    const specs = ["e", "d", "c", "b", "a"].map((id) => ({ id, component: "emit" }));
    await runPlan(makePlan(specs, { maxConcurrency: 1 }), {
      store: createMemoryStore(),
      registry: h.registry,
      onEvent: log.onEvent,
    });
    const started = log.events.flatMap((e) => (e.type === "artifact_started" ? [e.id] : []));
    expect(started).toEqual(["e", "d", "c", "b", "a"]);
  });

  it("skips the dependents of a failed artifact and completes independent branches", async () => {
    const h = createHarness();
    const plan = makePlan([
      { id: "bad", component: "emit", properties: { fail: "boom", code: "EBOOM" } },
      { id: "child", component: "combine", inputs: ["bad"] },
      { id: "grandchild", component: "combine", inputs: ["child"] },
      { id: "good", component: "emit" },
      { id: "good_child", component: "combine", inputs: ["good"] },
    ]);
    const summary = await runPlan(plan, { store: createMemoryStore(), registry: h.registry });
    expect(summary.status).toBe("failed");
    expect(statusOf(summary, "bad").status).toBe("failed");
    expect(statusOf(summary, "bad").error?.code).toBe(ExecutorErrorCode.ComponentFailed);
    expect(statusOf(summary, "bad").error?.message).toContain("EBOOM");
    expect(statusOf(summary, "bad").error?.message).not.toMatch(/\n\s+at /);
    expect(statusOf(summary, "child").status).toBe("skipped");
    expect(statusOf(summary, "child").error?.code).toBe(ExecutorErrorCode.UpstreamFailed);
    expect(statusOf(summary, "grandchild").status).toBe("skipped");
    expect(statusOf(summary, "good_child").status).toBe("completed");
    expect(h.calls.get("child")).toBeUndefined();
  });

  it("does not fail the run when only an optional artifact fails", async () => {
    const h = createHarness();
    const plan = makePlan([
      { id: "extra", component: "emit", optional: true, properties: { fail: "nope" } },
      { id: "uses_extra", component: "combine", inputs: ["extra"] },
      { id: "main", component: "emit" },
    ]);
    const summary = await runPlan(plan, { store: createMemoryStore(), registry: h.registry });
    expect(summary.status).toBe("completed");
    expect(statusOf(summary, "extra").status).toBe("failed");
    expect(statusOf(summary, "uses_extra").status).toBe("skipped");
  });

  it("fails the run when a non-optional artifact fails", async () => {
    const h = createHarness();
    const plan = makePlan([{ id: "a", component: "emit", properties: { fail: "nope" } }]);
    const summary = await runPlan(plan, { store: createMemoryStore(), registry: h.registry });
    expect(summary.status).toBe("failed");
  });

  it("aborts a component at its artifact timeout and fails it with ERR_ARTIFACT_TIMEOUT", async () => {
    const h = createHarness();
    const plan = makePlan([
      { id: "stuck", component: "emit", timeout: 0.05, properties: { hang: true } },
      { id: "other", component: "emit" },
    ]);
    const summary = await runPlan(plan, { store: createMemoryStore(), registry: h.registry });
    expect(h.aborted.has("stuck")).toBe(true);
    expect(statusOf(summary, "stuck").error?.code).toBe(ExecutorErrorCode.ArtifactTimeout);
    expect(statusOf(summary, "other").status).toBe("completed");
    expect(summary.status).toBe("failed");
  });

  it("fails running artifacts with ERR_RUN_TIMEOUT at the run timeout and leaves the rest not started", async () => {
    const h = createHarness();
    const plan = makePlan(
      [
        { id: "stuck", component: "emit", properties: { hang: true } },
        { id: "after", component: "combine", inputs: ["stuck"] },
      ],
      { timeout: 0.05 },
    );
    const summary = await runPlan(plan, { store: createMemoryStore(), registry: h.registry });
    expect(summary.status).toBe("failed");
    expect(h.aborted.has("stuck")).toBe(true);
    expect(statusOf(summary, "stuck").error?.code).toBe(ExecutorErrorCode.RunTimeout);
    expect(statusOf(summary, "after").status).toBe("not_started");
  });

  it("does not hang on a component that ignores its signal", async () => {
    const h = createHarness();
    const plan = makePlan([
      { id: "deaf", component: "emit", timeout: 0.05, properties: { ignoreSignal: true } },
    ]);
    const summary = await runPlan(plan, { store: createMemoryStore(), registry: h.registry });
    expect(statusOf(summary, "deaf").error?.code).toBe(ExecutorErrorCode.ArtifactTimeout);
  });

  it("merges inputs by concatenation in inputs order", async () => {
    const h = createHarness();
    const store = createMemoryStore();
    const plan = makePlan([
      { id: "a", component: "emit", properties: { value: [1, 2] } },
      { id: "b", component: "emit", properties: { value: [3] } },
      { id: "both", inputs: ["b", "a"] },
    ]);
    const summary = await runPlan(plan, { store, registry: h.registry, runId: "r1" });
    expect(summary.status).toBe("completed");
    const merged = await store.get("r1", "both");
    expect(merged.content).toEqual([3, 1, 2]);
    expect(merged.source).toBe("merge");
    expect(merged.schema).toEqual(DATA);
  });

  it("fails a merge whose input is not an array with ERR_MERGE_INPUT_NOT_ARRAY", async () => {
    const h = createHarness();
    const plan = makePlan([
      { id: "a", component: "emit", properties: { value: [1] } },
      { id: "b", component: "emit", properties: { value: { not: "array" } } },
      { id: "both", inputs: ["a", "b"] },
    ]);
    const summary = await runPlan(plan, { store: createMemoryStore(), registry: h.registry });
    expect(statusOf(summary, "both").error?.code).toBe(ExecutorErrorCode.MergeInputNotArray);
  });

  it("passes content through and keeps the input's schema", async () => {
    const h = createHarness();
    const store = createMemoryStore();
    const plan = makePlan([
      { id: "src", component: "emit" },
      { id: "a", component: "combine", inputs: ["src"], properties: { value: { x: 1 } } },
      { id: "copy", inputs: ["a"], schema: null },
    ]);
    await runPlan(plan, { store, registry: h.registry, runId: "r1" });
    const copy = await store.get("r1", "copy");
    expect(copy.content).toEqual({ x: 1 });
    expect(copy.schema).toEqual(RESULT);
    expect(copy.source).toBe("passthrough:a");
    expect(copy.execution.origin).toBe("passthrough");
  });

  it.each(["undefined", "function", "bigint", "cycle"])(
    "fails a component returning non-JSON (%s) with ERR_INVALID_OUTPUT",
    async (output) => {
      const h = createHarness();
      const plan = makePlan([{ id: "a", component: "emit", properties: { output } }]);
      const summary = await runPlan(plan, { store: createMemoryStore(), registry: h.registry });
      expect(statusOf(summary, "a").error?.code).toBe(ExecutorErrorCode.InvalidOutput);
    },
  );

  it("hands processors their inputs as Messages in inputs order", async () => {
    const h = createHarness();
    const store = createMemoryStore();
    const plan = makePlan([
      { id: "x", component: "emit", properties: { value: "X" } },
      { id: "y", component: "emit", properties: { value: "Y" } },
      { id: "z", component: "combine", inputs: ["y", "x"] },
    ]);
    await runPlan(plan, { store, registry: h.registry, runId: "r1" });
    expect((await store.get("r1", "z")).content).toEqual(["Y", "X"]);
  });

  it("reports component log lines as events of their artifact", async () => {
    const h = createHarness();
    const log = eventLog();
    const plan = makePlan([{ id: "a", component: "emit", properties: { log: "hello" } }]);
    await runPlan(plan, { store: createMemoryStore(), registry: h.registry, onEvent: log.onEvent });
    expect(log.events).toContainEqual({
      type: "log",
      id: "a",
      level: "info",
      message: "hello",
      fields: { artifact: "a" },
    });
  });
});
