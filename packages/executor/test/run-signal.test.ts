import { describe, expect, it } from "vitest";
import { ExecutorErrorCode, runPlan } from "../src/index.js";
import { createHarness, createMemoryStore, eventLog, makePlan } from "./fixtures/run/helpers.js";

describe("signals", () => {
  const specs = [
    { id: "done_first", component: "emit" },
    { id: "stuck", component: "emit", properties: { gate: "g" } },
    { id: "after", component: "combine", inputs: ["stuck", "done_first"] },
  ];

  it("interrupting a run stops it with status interrupted and no lock left", async () => {
    const store = createMemoryStore();
    const h = createHarness();
    const controller = new AbortController();
    const done = runPlan(makePlan(specs), {
      store,
      registry: h.registry,
      runId: "r1",
      signal: controller.signal,
    });
    await h.started("stuck");
    controller.abort();
    const summary = await done;
    expect(summary.status).toBe("interrupted");
    expect(h.aborted.has("stuck")).toBe(true);
    const byId = Object.fromEntries(summary.artifacts.map((a) => [a.id, a]));
    expect(byId["stuck"]?.error?.code).toBe(ExecutorErrorCode.Interrupted);
    expect(byId["after"]?.status).toBe("not_started");
    expect(await store.exists("r1", "_system/lock")).toBe(false);
    const run = await store.getJson<{ status: string }>("r1", "_system/run");
    expect(run.status).toBe("interrupted");
  });

  it("an interrupted run resumes to completion, re-running only what did not complete", async () => {
    const store = createMemoryStore();
    const h = createHarness();
    const controller = new AbortController();
    const log = eventLog();
    const done = runPlan(makePlan(specs), {
      store,
      registry: h.registry,
      runId: "r1",
      signal: controller.signal,
      onEvent: log.onEvent,
    });
    await h.started("stuck");
    await log.waitFor((e) => e.type === "artifact_finished" && e.id === "done_first");
    controller.abort();
    await done;

    const again = createHarness();
    again.open("g");
    const summary = await runPlan(makePlan(specs), {
      store,
      registry: again.registry,
      resume: "r1",
    });
    expect(summary.status).toBe("completed");
    expect(Object.fromEntries(again.calls)).toEqual({ stuck: 1, after: 1 });
  });

  it("a signal aborted before the run starts runs nothing and leaves the run resumable", async () => {
    const store = createMemoryStore();
    const h = createHarness();
    const summary = await runPlan(makePlan(specs), {
      store,
      registry: h.registry,
      runId: "r1",
      signal: AbortSignal.abort(),
    });
    expect(summary.status).toBe("interrupted");
    expect(h.total()).toBe(0);
    expect(summary.artifacts.every((a) => a.status === "not_started")).toBe(true);
  });
});
