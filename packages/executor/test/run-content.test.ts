import type { ComponentContext, InputMessage } from "@wct/plugin-api";
import { type ArtifactStore, createStore, messageDigest } from "@wct/store-core";
import { describe, expect, it } from "vitest";
import { ExecutorErrorCode, runPlan } from "../src/index.js";
import { createRegistry } from "../src/plan/registry.js";
import {
  createHarness,
  createMemoryDriver,
  createMemoryStore,
  DATA,
  makePlan,
  RESULT,
} from "./fixtures/run/helpers.js";

type Context = ComponentContext<Record<string, unknown>>;

/**
 * `source` returns `properties.value` as is (toJSON, undefined members, -0 and all);
 * `grab` records the inputs it got, then mutates them, and returns them.
 */
function recordingRegistry() {
  const seen = new Map<string, unknown[]>();
  const registry = createRegistry([
    {
      source: "inline",
      plugin: {
        name: "content-test",
        connectors: [
          {
            type: "source",
            description: "returns its value property",
            outputSchema: DATA,
            extract: async (context: Context) => context.properties["value"],
          },
        ],
        processors: [
          {
            type: "grab",
            description: "records and mutates its inputs",
            inputSchemas: [[DATA]],
            outputSchema: RESULT,
            process: async (context: Context & { inputs: ReadonlyArray<InputMessage> }) => {
              const contents = context.inputs.map((input) => input.content);
              seen.set(context.artifactId, structuredClone(contents));
              for (const content of contents) {
                if (content !== null && typeof content === "object") {
                  (content as Record<string, unknown>)["mutated_by"] = context.artifactId;
                }
              }
              return contents;
            },
          },
        ],
      },
    },
  ]);
  return { registry, seen };
}

/** A store as a hand-written ArtifactStore would be: everything but `saveMessageText`. */
function storeWithoutMessageText(store: ArtifactStore): ArtifactStore {
  const plain: ArtifactStore = Object.create(store);
  plain.saveMessageText = undefined;
  return plain;
}

describe("artifact content", () => {
  it("stores, hashes and hands downstream exactly what a reader of the store gets back", async () => {
    const { registry, seen } = recordingRegistry();
    const driver = createMemoryDriver();
    const store = createStore(driver);
    const value = {
      when: new Date(0),
      dropped: undefined,
      list: [null, -0, 1e21, "zoë ✓ \u2028 \ud800"],
      nested: { b: 1, a: [true, null] },
    };
    const plan = makePlan([
      { id: "a", component: "source", properties: { value } },
      { id: "b", component: "grab", inputs: ["a"] },
    ]);
    await runPlan(plan, { store, registry, runId: "r1" });

    const stored = await store.get("r1", "a");
    const expected = JSON.parse(JSON.stringify(value));
    expect(stored.content).toEqual(expected);
    expect(Object.keys(stored)).toEqual([
      "id",
      "schema",
      "content",
      "run_id",
      "source",
      "timestamp",
      "execution",
    ]);
    expect(seen.get("b")).toEqual([stored.content]);
    // The stored bytes are the canonical JSON of the Message a reader gets back.
    const bytes = (await driver.read("r1", "a"))!;
    expect(new TextDecoder().decode(bytes)).toBe(JSON.stringify(stored));
    const state = await store.getJson<{ digests: Record<string, string> }>("r1", "_system/state");
    expect(state.digests["a"]).toBe(messageDigest(stored));
    expect(state.digests["a"]).toBe(await store.digest("r1", "a"));
  });

  it("gives each dependent its own copy of an input", async () => {
    const { registry, seen } = recordingRegistry();
    const store = createMemoryStore();
    const plan = makePlan([
      { id: "a", component: "source", properties: { value: { n: 1 } } },
      { id: "b", component: "grab", inputs: ["a"] },
      { id: "c", component: "grab", inputs: ["a"] },
      { id: "d", component: "grab", inputs: ["a", "a"] },
    ]);
    const summary = await runPlan(plan, { store, registry, runId: "r1" });
    expect(summary.status).toBe("completed");
    expect(seen.get("b")).toEqual([{ n: 1 }]);
    expect(seen.get("c")).toEqual([{ n: 1 }]);
    expect(seen.get("d")).toEqual([{ n: 1 }, { n: 1 }]);
    expect((await store.get("r1", "a")).content).toEqual({ n: 1 });
  });

  it("hands a passthrough's dependents the content stored under the passthrough", async () => {
    const { registry, seen } = recordingRegistry();
    const store = createMemoryStore();
    const plan = makePlan([
      { id: "a", component: "source", properties: { value: { n: 1 } } },
      { id: "copy", inputs: ["a"] },
      { id: "b", component: "grab", inputs: ["copy"] },
      { id: "c", component: "grab", inputs: ["a"] },
    ]);
    await runPlan(plan, { store, registry, runId: "r1" });
    const copy = await store.get("r1", "copy");
    expect(copy.content).toEqual({ n: 1 });
    expect(seen.get("b")).toEqual([copy.content]);
    expect(seen.get("c")).toEqual([{ n: 1 }]);
  });

  it.each(["undefined", "function", "bigint", "cycle"])(
    "stores nothing of a non-JSON (%s) output but the failure",
    async (output) => {
      const h = createHarness();
      const store = createMemoryStore();
      const plan = makePlan([
        { id: "a", component: "emit", properties: { output } },
        { id: "b", component: "combine", inputs: ["a"] },
      ]);
      const summary = await runPlan(plan, { store, registry: h.registry, runId: "r1" });
      expect(summary.artifacts.map((a) => [a.id, a.error?.code])).toEqual([
        ["a", ExecutorErrorCode.InvalidOutput],
        ["b", ExecutorErrorCode.UpstreamFailed],
      ]);
      expect((await store.get("r1", "a")).content).toBeNull();
    },
  );

  it("works with a store that has no saveMessageText, with the same bytes", async () => {
    const { registry } = recordingRegistry();
    const value = { z: [1, "two", { three: 3 }], a: "é" };
    const plan = makePlan([
      { id: "a", component: "source", properties: { value } },
      { id: "b", component: "grab", inputs: ["a"] },
    ]);
    const withText = createMemoryStore();
    const without = storeWithoutMessageText(createMemoryStore());
    const now = () => new Date(0);
    await runPlan(plan, { store: withText, registry, runId: "r1", now });
    await runPlan(plan, { store: without, registry, runId: "r1", now });
    for (const id of ["a", "b"]) {
      const one = await withText.get("r1", id);
      const other = await without.get("r1", id);
      expect({ ...other, execution: one.execution }).toEqual(one);
      expect(JSON.stringify(other.content)).toBe(JSON.stringify(one.content));
    }
  });

  it("hands every dependent of a kept input a parse of the stored bytes on resume", async () => {
    const store = createMemoryStore();
    const first = recordingRegistry();
    const plan = (failB: boolean) =>
      makePlan([
        { id: "a", component: "source", properties: { value: { n: [1, 2] } } },
        ...(failB
          ? [{ id: "b", component: "source", properties: { value: undefined } }]
          : [{ id: "b", component: "source", properties: { value: { m: 3 } } }]),
        { id: "c", component: "grab", inputs: ["a", "b"] },
        { id: "d", component: "grab", inputs: ["b", "a"] },
      ]);
    const failed = await runPlan(plan(true), { store, registry: first.registry, runId: "r1" });
    expect(failed.status).toBe("failed");
    const keptDigest = await store.digest("r1", "a");

    // The runbook must not change on resume: make b succeed through its component.
    const second = recordingRegistry();
    const resumedPlan = plan(false);
    resumedPlan.runbookHash = plan(true).runbookHash;
    const summary = await runPlan(resumedPlan, {
      store,
      registry: second.registry,
      resume: "r1",
    });
    expect(summary.status).toBe("completed");
    expect(summary.artifacts.find((a) => a.id === "a")?.kept).toBe(true);
    expect(second.seen.get("c")).toEqual([{ n: [1, 2] }, { m: 3 }]);
    expect(second.seen.get("d")).toEqual([{ m: 3 }, { n: [1, 2] }]);
    // The dependents' mutations never reach the kept artifact.
    expect(await store.digest("r1", "a")).toBe(keptDigest);
  });
});
