import type { ArtifactStore } from "@wct/store-core";
import { describe, expect, it } from "vitest";
import { type RunMetadata, type RunState, runPlan } from "../src/index.js";
import { createCheckpointer } from "../src/run/checkpoint.js";
import { createHarness, createMemoryStore, deferred, makePlan } from "./fixtures/run/helpers.js";

/** A store whose `n`-th write of `_system/state` fails once, as a full disk for a moment would. */
function failingStateWrite(store: ArtifactStore, n: number): ArtifactStore {
  let writes = 0;
  const wrapped: ArtifactStore = Object.create(store);
  wrapped.saveJson = async (runId, key, data) => {
    if (key === "_system/state" && ++writes === n) {
      throw Object.assign(new Error("ENOSPC: no space left on device"), {
        code: "ERR_STORE_BACKEND",
      });
    }
    return store.saveJson(runId, key, data);
  };
  return wrapped;
}

describe("checkpoint writes that fail", () => {
  it("a checkpoint that failed once does not stop later checkpoints", async () => {
    let calls = 0;
    const firstFailed = deferred();
    const checkpoints = createCheckpointer(async () => {
      calls++;
      if (calls === 1) {
        firstFailed.resolve();
        throw new Error("transient");
      }
    }, 0);
    checkpoints.request();
    await firstFailed.promise;
    // An artifact ends after the failed write: its checkpoint must still be written,
    // and as it succeeded, nothing is left to report.
    checkpoints.request();
    await checkpoints.settle();
    expect(calls).toBe(2);
  });

  it("settle rethrows when the last write failed", async () => {
    const checkpoints = createCheckpointer(async () => {
      throw new Error("down");
    }, 0);
    checkpoints.request();
    await expect(checkpoints.settle()).rejects.toThrow("down");
  });

  it("a run whose intermediate checkpoint failed once completes with its final state saved", async () => {
    const base = createMemoryStore();
    // Write 1 is the initial state; write 2 the first checkpoint after an artifact.
    const store = failingStateWrite(base, 2);
    const plan = makePlan(
      [
        { id: "a", component: "emit" },
        { id: "b", component: "combine", inputs: ["a"] },
        { id: "c", component: "combine", inputs: ["b"] },
      ],
      { maxConcurrency: 1 },
    );
    const summary = await runPlan(plan, { store, registry: createHarness().registry, runId: "r1" });
    expect(summary.status).toBe("completed");
    const state = await base.getJson<RunState>("r1", "_system/state");
    expect(state.completed).toEqual(["a", "b", "c"]);
    expect((await base.getJson<RunMetadata>("r1", "_system/run")).status).toBe("completed");
  });
});
