import type { ArtifactStore } from "@wct/store-core";
import { describe, expect, it } from "vitest";
import { listRunRecords, type RunMetadata, type RunState, runPlan } from "../src/index.js";
import { openAttempt } from "../src/run/attempt.js";
import { readRunMetadata, runSize } from "../src/run/records.js";
import { createHarness, createMemoryStore, makePlan } from "./fixtures/run/helpers.js";

// One completed, one failed (optional) and one skipped artifact: every count is non-zero.
const plan = makePlan([
  { id: "a", component: "emit", properties: { value: "x".repeat(300) } },
  { id: "b", component: "emit", properties: { fail: "boom" }, optional: true },
  { id: "c", component: "emit", inputs: ["b"] },
]);

const RUN = "_system/run";
const STATE = "_system/state";

/** Counts the reads of each key through `getJson` and the listing pass (one per run read). */
function countingReads(store: ArtifactStore) {
  const reads = new Map<string, number>();
  const wrapped: ArtifactStore = Object.create(store);
  wrapped.getJson = (runId, key) => {
    reads.set(key, (reads.get(key) ?? 0) + 1);
    return store.getJson(runId, key);
  };
  wrapped.scanRunsReading = async (key) => {
    const scan = await store.scanRunsReading(key);
    reads.set(key, (reads.get(key) ?? 0) + scan.values.size);
    return scan;
  };
  return { store: wrapped, reads };
}

async function finishedRun(): Promise<ArtifactStore> {
  const store = createMemoryStore();
  await runPlan(plan, { store, registry: createHarness().registry, runId: "r1" });
  return store;
}

describe("listing finished runs from run.json", () => {
  it("a finished run records its counts and stored bytes in run.json", async () => {
    const store = await finishedRun();
    const run = await readRunMetadata(store, "r1");
    expect(run.listing).toMatchObject({
      attempt: 1,
      counts: { completed: 1, failed: 1, skipped: 1, not_started: 0 },
    });
  });

  it("a finished run is listed without reading its state", async () => {
    const store = await finishedRun();
    const counting = countingReads(store);
    await listRunRecords(counting.store);
    expect(counting.reads.get(RUN)).toBe(1);
    expect(counting.reads.get(STATE) ?? 0).toBe(0);
  });

  it("a store whose listing pass reads no run lists the same records", async () => {
    const store = await finishedRun();
    const unread: ArtifactStore = Object.create(store);
    unread.scanRunsReading = async () => ({ ...(await store.scanRuns()), values: new Map() });
    expect(await listRunRecords(unread)).toEqual(await listRunRecords(store));
  });

  it("a run listed from run.json alone equals the same run listed from its state", async () => {
    const store = await finishedRun();
    const fromRunJson = await listRunRecords(store);
    expect(fromRunJson[0]?.size_bytes).toBe(await runSize(store, "r1"));
    const { listing: _, ...older } = await readRunMetadata(store, "r1");
    await store.saveJson("r1", RUN, older);
    const fromState = await listRunRecords(store);
    // Without its listing run.json is smaller; both sizes are what the store holds.
    const { size_bytes: _size, ...rest } = fromRunJson[0]!;
    expect(fromState).toEqual([{ ...rest, size_bytes: await runSize(store, "r1") }]);
  });

  it("a listing written by an earlier attempt is ignored: the run is listed from its state", async () => {
    const store = await finishedRun();
    const run = await readRunMetadata(store, "r1");
    // An older wct resumed the run: it kept the listing (unknown keys are kept) and
    // closed a second attempt whose state now says something else.
    const second = { ...run.attempts[0]!, attempt: 2 };
    await store.saveJson("r1", RUN, { ...run, attempts: [...run.attempts, second] });
    const state = (await store.getJson("r1", STATE)) as RunState;
    await store.saveJson("r1", STATE, { ...state, skipped: [], not_started: ["c"] });
    const [record] = await listRunRecords(store);
    expect(record).toMatchObject({
      attempts: 2,
      counts: { completed: 1, failed: 1, skipped: 0, not_started: 1 },
    });
  });

  it("a resumed run drops the listing of its earlier attempt while it runs", async () => {
    const store = await finishedRun();
    const run = await readRunMetadata(store, "r1");
    const { meta } = openAttempt(run, new Date(), { pid: 1, hostname: "h" }, undefined);
    expect((meta as RunMetadata).listing).toBeUndefined();
  });
});
