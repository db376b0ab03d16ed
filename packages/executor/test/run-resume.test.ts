import { createStore } from "@wct/store-core";
import { describe, expect, it } from "vitest";
import { ExecutorErrorCode, resolveRunId, runPlan } from "../src/index.js";
import { createRunId } from "../src/run/index.js";
import {
  createHarness,
  createMemoryDriver,
  createMemoryStore,
  eventLog,
  makePlan,
} from "./fixtures/run/helpers.js";

describe("resume", () => {
  it("re-runs only the failed and skipped artifacts", async () => {
    const store = createMemoryStore();
    const specs = (fail: boolean) => [
      { id: "a", component: "emit" },
      { id: "b", component: "combine", inputs: ["a"], properties: fail ? { fail: "flaky" } : {} },
      { id: "c", component: "combine", inputs: ["b"] },
      { id: "d", component: "combine", inputs: ["a"] },
    ];
    // Same runbook text, so the same hash: only the component's behaviour changed.
    const first = createHarness();
    const failed = await runPlan(makePlan(specs(true)), {
      store,
      registry: first.registry,
      runId: "r1",
    });
    expect(failed.status).toBe("failed");

    const second = createHarness();
    const log = eventLog();
    const summary = await runPlan(makePlan(specs(false)), {
      store,
      registry: second.registry,
      resume: "r1",
      onEvent: log.onEvent,
    });
    expect(summary.status).toBe("completed");
    expect(Object.fromEntries(second.calls)).toEqual({ b: 1, c: 1 });
    expect(summary.artifacts.filter((a) => a.kept).map((a) => a.id)).toEqual(["a", "d"]);
    expect(log.events[0]).toMatchObject({ type: "run_started", resumed: true, kept: ["a", "d"] });
  });

  it("keeps the run id and started_at and appends an attempt", async () => {
    const store = createMemoryStore();
    const plan = makePlan([{ id: "a", component: "emit" }]);
    const h = createHarness();
    const first = await runPlan(plan, { store, registry: h.registry, runId: "r1" });
    const again = await runPlan(plan, { store, registry: h.registry, resume: "r1" });
    expect(again.run_id).toBe("r1");
    expect(again.started_at).toBe(first.started_at);
    expect(again.attempt).toBe(2);
    const run = await store.getJson<{ started_at: string; attempts: unknown[] }>(
      "r1",
      "_system/run",
    );
    expect(run.started_at).toBe(first.started_at);
    expect(run.attempts).toHaveLength(2);
  });

  it("resumes a completed run as a no-op without rewriting artifacts", async () => {
    const store = createMemoryStore();
    const plan = makePlan([
      { id: "a", component: "emit" },
      { id: "b", component: "combine", inputs: ["a"] },
    ]);
    await runPlan(plan, { store, registry: createHarness().registry, runId: "r1" });
    const before = await store.get("r1", "b");
    const h = createHarness();
    const summary = await runPlan(plan, { store, registry: h.registry, resume: "r1" });
    expect(summary.status).toBe("completed");
    expect(h.total()).toBe(0);
    expect(await store.get("r1", "b")).toEqual(before);
  });

  it("re-runs a completed artifact whose stored Message is truncated", async () => {
    const driver = createMemoryDriver();
    const store = createStore(driver);
    const plan = makePlan([
      { id: "a", component: "emit" },
      { id: "b", component: "combine", inputs: ["a"] },
    ]);
    await runPlan(plan, { store, registry: createHarness().registry, runId: "r1" });
    const bytes = (await driver.read("r1", "a"))!;
    await driver.write("r1", "a", bytes.slice(0, bytes.length / 2));
    await expect(store.get("r1", "a")).rejects.toMatchObject({ code: "ERR_CORRUPT_ENTRY" });
    const h = createHarness();
    const summary = await runPlan(plan, { store, registry: h.registry, resume: "r1" });
    expect(summary.status).toBe("completed");
    expect(h.calls.get("a")).toBe(1);
    expect((await store.get("r1", "a")).execution.status).toBe("completed");
  });

  it("re-runs a completed artifact whose stored Message was altered", async () => {
    const store = createMemoryStore();
    const plan = makePlan([{ id: "a", component: "emit" }]);
    await runPlan(plan, { store, registry: createHarness().registry, runId: "r1" });
    const message = await store.get("r1", "a");
    await store.save("r1", "a", { ...message, content: { tampered: true } });
    const h = createHarness();
    await runPlan(plan, { store, registry: h.registry, resume: "r1" });
    expect(h.calls.get("a")).toBe(1);
  });

  it("re-runs a completed artifact whose stored Message is missing", async () => {
    const store = createMemoryStore();
    const plan = makePlan([{ id: "a", component: "emit" }]);
    await runPlan(plan, { store, registry: createHarness().registry, runId: "r1" });
    await store.delete("r1", "a");
    const h = createHarness();
    await runPlan(plan, { store, registry: h.registry, resume: "r1" });
    expect(h.calls.get("a")).toBe(1);
  });

  it("refuses a resume after the runbook changed with ERR_RUNBOOK_CHANGED naming the file", async () => {
    const store = createMemoryStore();
    const h = createHarness();
    const specs = [{ id: "a", component: "emit" }];
    await runPlan(makePlan(specs, { childText: "v1" }), {
      store,
      registry: h.registry,
      runId: "r1",
    });
    const changed = makePlan(specs, { childText: "v2" });
    const error = await runPlan(changed, { store, registry: h.registry, resume: "r1" }).catch(
      (e) => e,
    );
    expect(error.code).toBe(ExecutorErrorCode.RunbookChanged);
    expect(error.details.changed_files).toEqual(["child.yaml"]);
    // Refused before running anything, and the lease is released.
    expect(h.total()).toBe(1);
    expect(await store.exists("r1", "_system/lock")).toBe(false);
  });

  it("refuses to resume an unknown run with ERR_RUN_NOT_FOUND and creates nothing", async () => {
    const store = createMemoryStore();
    const plan = makePlan([{ id: "a", component: "emit" }]);
    await expect(
      runPlan(plan, { store, registry: createHarness().registry, resume: "nope" }),
    ).rejects.toMatchObject({ code: ExecutorErrorCode.RunNotFound });
    expect(await store.listRuns()).toEqual([]);
  });

  it("resolves a unique prefix of a run id to the full id", async () => {
    const store = createMemoryStore();
    const plan = makePlan([{ id: "a", component: "emit" }]);
    const h = createHarness();
    await runPlan(plan, { store, registry: h.registry, runId: "abc123" });
    await runPlan(plan, { store, registry: h.registry, runId: "abd456" });
    expect(await resolveRunId(store, "abc")).toBe("abc123");
    expect(await resolveRunId(store, "abd456")).toBe("abd456");
  });

  it("reports an ambiguous prefix with ERR_RUN_AMBIGUOUS listing the candidates", async () => {
    const store = createMemoryStore();
    const plan = makePlan([{ id: "a", component: "emit" }]);
    const h = createHarness();
    await runPlan(plan, { store, registry: h.registry, runId: "abc123" });
    await runPlan(plan, { store, registry: h.registry, runId: "abd456" });
    const error = await resolveRunId(store, "ab").catch((e) => e);
    expect(error.code).toBe(ExecutorErrorCode.RunAmbiguous);
    expect(error.details.candidates).toEqual(["abc123", "abd456"]);
  });

  it("reports a prefix matching no run with ERR_RUN_NOT_FOUND", async () => {
    const store = createMemoryStore();
    await expect(resolveRunId(store, createRunId())).rejects.toMatchObject({
      code: ExecutorErrorCode.RunNotFound,
    });
  });
});
