import { describe, expect, it } from "vitest";
import { createReuseResolver, ExecutorErrorCode, runPlan } from "../src/index.js";
import { createHarness, createMemoryStore, DATA, makePlan } from "./fixtures/run/helpers.js";

async function sourceRun() {
  const store = createMemoryStore();
  const plan = makePlan([
    { id: "data", component: "emit", properties: { value: [1, 2, 3] } },
    { id: "broken", component: "emit", properties: { fail: "x" } },
  ]);
  await runPlan(plan, {
    store,
    registry: createHarness().registry,
    runId: "0190aaaa-source",
  });
  return store;
}

describe("reuse", () => {
  it("copies the Message of another run's artifact with its schema and a reuse source", async () => {
    const store = await sourceRun();
    const h = createHarness();
    const plan = makePlan([
      { id: "copy", reuse: { from_run: "0190aaaa", artifact: "data" } },
      { id: "copy_of_copy", inputs: ["copy"], schema: null },
    ]);
    const summary = await runPlan(plan, { store, registry: h.registry, runId: "r2" });
    expect(summary.status).toBe("completed");
    const copy = await store.get("r2", "copy");
    expect(copy).toMatchObject({
      content: [1, 2, 3],
      schema: DATA,
      run_id: "r2",
      source: "reuse:0190aaaa-source/data",
      execution: { origin: "reuse" },
    });
    expect((await store.get("r2", "copy_of_copy")).schema).toEqual(DATA);
  });

  it("fails a reuse artifact whose source artifact did not complete", async () => {
    const store = await sourceRun();
    const plan = makePlan([
      { id: "copy", reuse: { from_run: "0190aaaa-source", artifact: "broken" } },
    ]);
    const summary = await runPlan(plan, { store, registry: createHarness().registry });
    expect(summary.artifacts[0]?.error?.code).toBe(ExecutorErrorCode.ReuseArtifactNotFound);
  });

  it("resolves the schema of a completed artifact of another run, by prefix", async () => {
    const store = await sourceRun();
    const resolve = createReuseResolver(store);
    expect(await resolve({ from_run: "0190", artifact: "data" })).toEqual(DATA);
  });

  it("rejects a reference to a missing run with ERR_REUSE_RUN_NOT_FOUND", async () => {
    const store = await sourceRun();
    const resolve = createReuseResolver(store);
    await expect(resolve({ from_run: "ffff", artifact: "data" })).rejects.toMatchObject({
      code: ExecutorErrorCode.ReuseRunNotFound,
    });
  });

  it("rejects an artifact that did not complete with ERR_REUSE_ARTIFACT_NOT_FOUND", async () => {
    const store = await sourceRun();
    const resolve = createReuseResolver(store);
    await expect(
      resolve({ from_run: "0190aaaa-source", artifact: "broken" }),
    ).rejects.toMatchObject({
      code: ExecutorErrorCode.ReuseArtifactNotFound,
    });
    await expect(resolve({ from_run: "0190aaaa-source", artifact: "nope" })).rejects.toMatchObject({
      code: ExecutorErrorCode.ReuseArtifactNotFound,
    });
  });

  it("rejects an artifact whose stored Message no longer verifies", async () => {
    const store = await sourceRun();
    const message = await store.get("0190aaaa-source", "data");
    await store.save("0190aaaa-source", "data", { ...message, content: [9] });
    const resolve = createReuseResolver(store);
    await expect(resolve({ from_run: "0190aaaa-source", artifact: "data" })).rejects.toMatchObject({
      code: ExecutorErrorCode.ReuseArtifactNotFound,
    });
  });
});
