import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { streamContent } from "@wct/plugin-api";
import type { ArtifactStore } from "@wct/store-core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { listRunRecords, type RunState, readRunInfo, runPlan } from "../src/index.js";
import { createRegistry } from "../src/plan/registry.js";
import { readRunMetadata, runSize } from "../src/run/records.js";
import {
  createFsStore,
  createHarness,
  DATA,
  liveRowsRegistry,
  makePlan,
} from "./fixtures/run/helpers.js";

// One completed and one failed artifact: both are stored, each with its size.
const plan = makePlan([
  { id: "a", component: "emit", properties: { value: "x".repeat(500) } },
  { id: "b", component: "emit", properties: { fail: "boom" }, optional: true },
]);

/**
 * A streamed `rows` artifact read live by `first`, each steered per attempt: `rows`
 * completes or fails after its first row; `first` fails, keeps only the first row, or
 * reads every row.
 */
function liveRegistry(steer: { rows: "complete" | "fail"; first: "fail" | "head" | "all" }) {
  return liveRowsRegistry(
    async function* () {
      yield { i: 0 };
      if (steer.rows === "fail") throw new Error("rows lost");
      for (let i = 1; i < 100; i++) yield { i };
    },
    {
      type: "first",
      process: async ({ inputs }) => {
        if (steer.first === "fail") throw new Error("first fails");
        const seen: unknown[] = [];
        for await (const row of inputs[0]!.records()) {
          seen.push(row);
          if (steer.first === "head") break;
        }
        return { seen: seen.length };
      },
    },
  );
}

const livePlan = makePlan([
  { id: "rows", component: "rows" },
  { id: "first", component: "first", inputs: ["rows"] },
]);

/**
 * Run `r1` in which `first` failed and was stored with its size, and whose `rows` was
 * lost since: a resume writes both again, `first` live.
 */
async function failedLiveRun(store: ArtifactStore) {
  const steer: Parameters<typeof liveRegistry>[0] = { rows: "complete", first: "fail" };
  const registry = liveRegistry(steer);
  await runPlan(livePlan, { store, registry, runId: "r1" });
  expect((await readRunInfo(store, "r1")).state.stored_bytes).toHaveProperty("first");
  await store.delete("r1", "rows");
  return { steer, registry };
}

/** Counts the store calls that size a run key by key. */
function countingSizing(store: ArtifactStore) {
  const calls = { listKeys: 0, size: 0 };
  const wrapped: ArtifactStore = Object.create(store);
  wrapped.listKeys = (runId, prefix) => {
    calls.listKeys++;
    return store.listKeys(runId, prefix);
  };
  wrapped.size = (runId, key) => {
    calls.size++;
    return store.size(runId, key);
  };
  return { store: wrapped, calls };
}

describe("stored sizes", () => {
  let dir = "";
  let store: ArtifactStore;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "wct-sizes-"));
    store = createFsStore({ baseDir: dir });
  });
  afterEach(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("recorded sizes equal the sizes the store holds for each artifact and the plan", async () => {
    await runPlan(plan, { store, registry: createHarness().registry, runId: "r1" });
    const { state } = await readRunInfo(store, "r1");
    expect(Object.keys(state.stored_bytes ?? {}).sort()).toEqual(["_system/plan", "a", "b"]);
    for (const [key, bytes] of Object.entries(state.stored_bytes ?? {})) {
      expect(bytes, key).toBe(await store.size("r1", key));
    }
  });

  it("a streamed artifact's recorded size is the size the store holds", async () => {
    const registry = createRegistry([
      {
        source: "inline",
        plugin: {
          name: "s",
          connectors: [
            {
              type: "lines",
              description: "streams lines",
              outputSchema: DATA,
              extract: async () =>
                streamContent({
                  recordsField: "lines",
                  records: Array.from({ length: 500 }, (_, i) => `line ${i}`),
                }),
            },
          ],
        },
      },
    ]);
    await runPlan(makePlan([{ id: "s", component: "lines" }]), { store, registry, runId: "r1" });
    const { state } = await readRunInfo(store, "r1");
    expect(state.stored_bytes?.s).toBe(await store.size("r1", "s"));
  });

  it("a listed run's size from its recorded sizes equals its size measured key by key", async () => {
    await runPlan(plan, { store, registry: createHarness().registry, runId: "r1" });
    const counting = countingSizing(store);
    const [record] = await listRunRecords(counting.store);
    expect(record?.size_bytes).toBe(await runSize(store, "r1"));
    // Summed from the record: no key was listed or sized.
    expect(counting.calls).toEqual({ listKeys: 0, size: 0 });
  });

  it("a run written without recorded sizes is still listed with its size", async () => {
    await runPlan(plan, { store, registry: createHarness().registry, runId: "r1" });
    const { stored_bytes: _, ...legacy } = (await store.getJson("r1", "_system/state")) as RunState;
    await store.saveJson("r1", "_system/state", legacy);
    const { listing: _listing, ...oldRun } = await readRunMetadata(store, "r1");
    await store.saveJson("r1", "_system/run", oldRun);
    const counting = countingSizing(store);
    const [record] = await listRunRecords(counting.store);
    expect(record?.size_bytes).toBe(await runSize(store, "r1"));
    expect(counting.calls.listKeys).toBe(1);
  });

  it("a resumed run written without recorded sizes records the sizes of what it kept", async () => {
    const registry = createHarness().registry;
    await runPlan(plan, { store, registry, runId: "r1" });
    const { stored_bytes: _, ...legacy } = (await store.getJson("r1", "_system/state")) as RunState;
    await store.saveJson("r1", "_system/state", legacy);
    await runPlan(plan, { store, registry, runId: "r1", resume: "r1" });
    const { state } = await readRunInfo(store, "r1");
    expect(Object.keys(state.stored_bytes ?? {}).sort()).toEqual(["_system/plan", "a", "b"]);
    const [record] = await listRunRecords(store);
    expect(record?.size_bytes).toBe(await runSize(store, "r1"));
  });

  it("a live consumer skipped on resume after storing its output has no recorded size", async () => {
    const { steer, registry } = await failedLiveRun(store);
    steer.rows = "fail";
    steer.first = "head";
    await runPlan(livePlan, { store, registry, runId: "r1", resume: "r1" });
    const { state } = await readRunInfo(store, "r1");
    expect(state.skipped).toEqual(["first"]);
    expect(await store.exists("r1", "first")).toBe(false);
    expect(state.stored_bytes).not.toHaveProperty("first");
    const [record] = await listRunRecords(store);
    expect(record?.size_bytes).toBe(await runSize(store, "r1"));
  });

  it("a live consumer skipped on resume without output keeps the size of what an earlier attempt stored", async () => {
    const { steer, registry } = await failedLiveRun(store);
    steer.rows = "fail";
    steer.first = "all";
    await runPlan(livePlan, { store, registry, runId: "r1", resume: "r1" });
    const { state } = await readRunInfo(store, "r1");
    expect(state.skipped).toEqual(["first"]);
    expect(state.stored_bytes?.["first"]).toBe(await store.size("r1", "first"));
    const [record] = await listRunRecords(store);
    expect(record?.size_bytes).toBe(await runSize(store, "r1"));
  });
});
