import { join } from "node:path";
import {
  type ComponentContext,
  type InputMessage,
  type Plugin,
  type RecordInput,
  streamContent,
} from "@wct/plugin-api";
import type { ArtifactReader, ArtifactStore, ArtifactWriter } from "@wct/store-core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { planRunbook, runPlan } from "../src/index.js";
import { createRegistry } from "../src/plan/registry.js";
import { readRunState } from "../src/run/records.js";
import { makeTempDir, writeFiles, yaml } from "./fixtures/plan/helpers.js";
import { createMemoryStore, DATA, makePlan, RESULT } from "./fixtures/run/helpers.js";

// Merge, pass-through, reuse and child runbooks with streamed artifacts.

/** `count` rows `{i}` from `from` on, under head `{name}` and summary `{total}`. */
function rows(name: string, count: number, from = 0) {
  return streamContent({
    recordsField: "rows",
    head: { name },
    records: (async function* () {
      for (let i = from; i < from + count; i++) yield { i };
    })(),
    summary: () => ({ total: count }),
  });
}

const plugin: Plugin = {
  name: "flows",
  connectors: [
    {
      type: "streamed_a",
      description: "streams rows 0..4",
      outputSchema: DATA,
      extract: async () => rows("a", 5),
    },
    {
      type: "streamed_b",
      description: "streams rows 100..102",
      outputSchema: DATA,
      extract: async () => rows("b", 3, 100),
    },
    {
      type: "plain_array",
      description: "returns an array whole",
      outputSchema: DATA,
      extract: async () => [{ i: 50 }, { i: 51 }],
    },
    {
      type: "plain_object",
      description: "returns an object holding its rows whole",
      outputSchema: DATA,
      extract: async () => ({ name: "plain", rows: [{ i: 60 }], total: 1 }),
    },
    {
      type: "plain_number",
      description: "returns a number",
      outputSchema: DATA,
      extract: async () => 7,
    },
    {
      type: "streamed_slow",
      description: "opens its stream at once, then takes 60 ms over its records",
      outputSchema: DATA,
      extract: async () =>
        streamContent({
          recordsField: "rows",
          records: (async function* () {
            for (let i = 0; i < 3; i++) {
              await new Promise((resolve) => setTimeout(resolve, 20));
              yield { i };
            }
          })(),
        }),
    },
    {
      type: "streamed_other",
      description: "streams under another field",
      outputSchema: DATA,
      extract: async () => streamContent({ recordsField: "items", records: [1, 2] }),
    },
  ],
  processors: [
    {
      type: "double",
      description: "reads rows as records, streams them doubled",
      readsInputsAsRecords: true,
      inputSchemas: [[DATA]],
      outputSchema: DATA,
      process: async ({ inputs }: ComponentContext<unknown> & { inputs: readonly RecordInput[] }) =>
        streamContent({
          recordsField: "rows",
          records: (async function* () {
            for await (const row of inputs[0]!.records("rows")) {
              yield { i: (row as { i: number }).i * 2 };
            }
          })(),
        }),
    },
    {
      type: "sum",
      description: "sums i over the materialised input",
      inputSchemas: [[DATA]],
      outputSchema: RESULT,
      process: async ({
        inputs,
      }: ComponentContext<unknown> & { inputs: readonly InputMessage[] }) => ({
        sum: (inputs[0]!.content as { rows: { i: number }[] }).rows.reduce((a, r) => a + r.i, 0),
      }),
    },
  ],
};
const registry = createRegistry([{ source: "inline", plugin }]);

async function isStreamed(store: ArtifactStore, runId: string, key: string): Promise<boolean> {
  const reader = await store.openArtifactReader(runId, key);
  await reader.close();
  return reader.layout !== undefined;
}

describe("merge of streamed artifacts", () => {
  it("streams the records of each input in input order, with each input's fields", async () => {
    const store = createMemoryStore();
    const summary = await runPlan(
      makePlan([
        { id: "a", component: "streamed_a" },
        { id: "b", component: "streamed_b" },
        { id: "both", inputs: ["b", "a"] },
      ]),
      { store, registry },
    );
    expect(summary.status).toBe("completed");
    expect(await isStreamed(store, summary.run_id, "both")).toBe(true);
    expect((await store.get(summary.run_id, "both")).content).toEqual({
      rows: [100, 101, 102, 0, 1, 2, 3, 4].map((i) => ({ i })),
      merged_inputs: [
        { id: "b", records: 3, fields: { name: "b", total: 3 } },
        { id: "a", records: 5, fields: { name: "a", total: 5 } },
      ],
    });
  });

  it("mixes a streamed input with a plain array and a plain object holding the records", async () => {
    const store = createMemoryStore();
    const summary = await runPlan(
      makePlan([
        { id: "a", component: "streamed_a" },
        { id: "arr", component: "plain_array" },
        { id: "obj", component: "plain_object" },
        { id: "all", inputs: ["arr", "a", "obj"] },
      ]),
      { store, registry },
    );
    expect(summary.status).toBe("completed");
    const content = (await store.get(summary.run_id, "all")).content as {
      rows: Array<{ i: number }>;
      merged_inputs: unknown[];
    };
    expect(content.rows.map((r) => r.i)).toEqual([50, 51, 0, 1, 2, 3, 4, 60]);
    expect(content.merged_inputs).toEqual([
      { id: "arr", records: 2, fields: {} },
      { id: "a", records: 5, fields: { name: "a", total: 5 } },
      { id: "obj", records: 1, fields: { name: "plain", total: 1 } },
    ]);
  });

  it("still merges plain arrays into one plain array", async () => {
    const store = createMemoryStore();
    const summary = await runPlan(
      makePlan([
        { id: "x", component: "plain_array" },
        { id: "y", component: "plain_array" },
        { id: "xy", inputs: ["x", "y"] },
      ]),
      { store, registry },
    );
    expect(await isStreamed(store, summary.run_id, "xy")).toBe(false);
    expect((await store.get(summary.run_id, "xy")).content).toEqual([
      { i: 50 },
      { i: 51 },
      { i: 50 },
      { i: 51 },
    ]);
  });

  it("records the digest of the stored merge and keeps it on resume", async () => {
    const store = createMemoryStore();
    const plan = makePlan([
      { id: "a", component: "streamed_a" },
      { id: "b", component: "streamed_b" },
      { id: "both", inputs: ["a", "b"] },
    ]);
    const first = await runPlan(plan, { store, registry });
    const recorded = (await readRunState(store, first.run_id))?.digests.both;
    expect(recorded).toBe(await store.digest(first.run_id, "both"));
    const again = await runPlan(plan, { store, registry, resume: first.run_id });
    expect(again.artifacts.find((a) => a.id === "both")?.kept).toBe(true);
    expect(await store.digest(first.run_id, "both")).toBe(recorded);
  });

  it("feeds a plain processor the merged stream materialised", async () => {
    const store = createMemoryStore();
    const summary = await runPlan(
      makePlan([
        { id: "a", component: "streamed_a" },
        { id: "b", component: "streamed_b" },
        { id: "both", inputs: ["a", "b"] },
        { id: "total", component: "sum", inputs: ["both"] },
      ]),
      { store, registry },
    );
    expect((await store.get(summary.run_id, "total")).content).toEqual({ sum: 10 + 303 });
  });

  it("fails with ERR_MERGE_INPUT_NOT_ARRAY when a plain input holds no records", async () => {
    const summary = await runPlan(
      makePlan([
        { id: "a", component: "streamed_a" },
        { id: "n", component: "plain_number" },
        { id: "both", inputs: ["a", "n"] },
      ]),
      { store: createMemoryStore(), registry },
    );
    expect(summary.artifacts.find((a) => a.id === "both")?.error?.code).toBe(
      "ERR_MERGE_INPUT_NOT_ARRAY",
    );
  });

  it("fails with ERR_MERGE_RECORDS_DIFFER when streamed inputs stream different fields", async () => {
    const summary = await runPlan(
      makePlan([
        { id: "a", component: "streamed_a" },
        { id: "o", component: "streamed_other" },
        { id: "both", inputs: ["a", "o"] },
      ]),
      { store: createMemoryStore(), registry },
    );
    expect(summary.artifacts.find((a) => a.id === "both")?.error?.code).toBe(
      "ERR_MERGE_RECORDS_DIFFER",
    );
  });

  it("holds no input whole: 256 MB of input records merge in bounded heap", async () => {
    const RECORD = "y".repeat(64 * 1024);
    const COUNT = 2 * 1024; // per input
    let written = 0;
    let peak = 0;
    const baseline = process.memoryUsage();
    const sample = () => {
      const m = process.memoryUsage();
      peak = Math.max(
        peak,
        m.heapUsed + m.arrayBuffers - baseline.heapUsed - baseline.arrayBuffers,
      );
    };
    const store = createMemoryStore();
    // The inputs read back as large streams and the merge's writer drops what it gets:
    // only what the merge itself holds stays in memory.
    const big: ArtifactStore = Object.assign(Object.create(store), {
      async openArtifactReader(runId: string, key: string): Promise<ArtifactReader> {
        const real = await store.openArtifactReader(runId, key);
        if (key === "both") return real;
        await real.close();
        return {
          envelope: real.envelope,
          layout: { recordsField: "rows", head: {} },
          records: () =>
            (function* () {
              for (let i = 0; i < COUNT; i++) {
                if (i % 256 === 0) sample();
                yield RECORD.slice(1) + (i % 10);
              }
            })() as unknown as AsyncIterable<unknown>,
          summary: async () => ({}),
          close: async () => {},
        };
      },
      async openArtifactWriter(...args: Parameters<ArtifactStore["openArtifactWriter"]>) {
        const [, key] = args;
        if (key !== "both") return store.openArtifactWriter(...args);
        return {
          get records() {
            return written;
          },
          get sourceBytes() {
            return 0;
          },
          async write() {
            written++;
            await new Promise((resolve) => setImmediate(resolve));
          },
          async commit() {
            return { digest: "sha256:0", records: written, sourceBytes: 0, storedBytes: 0 };
          },
          async abort() {},
        } satisfies ArtifactWriter;
      },
    });
    const summary = await runPlan(
      makePlan([
        { id: "a", component: "streamed_a" },
        { id: "b", component: "streamed_b" },
        { id: "both", inputs: ["a", "b"] },
      ]),
      { store: big, registry },
    );
    expect(summary.artifacts.find((a) => a.id === "both")?.status).toBe("completed");
    expect(written).toBe(2 * COUNT);
    expect(peak).toBeLessThan(64 * 1024 * 1024);
  }, 30_000);
});

describe("execution record of a streamed artifact", () => {
  it("stores a duration that covers the whole stream, not the time until it opened", async () => {
    const store = createMemoryStore();
    const summary = await runPlan(makePlan([{ id: "slow", component: "streamed_slow" }]), {
      store,
      registry,
    });
    const stored = await store.get(summary.run_id, "slow");
    const state = await readRunState(store, summary.run_id);
    // Each of 3 records waits 20 ms (timers may fire a little early, never 2 ms early).
    expect(stored.execution.duration_ms).toBeGreaterThanOrEqual(55);
    expect(stored.execution.duration_ms).toBeLessThanOrEqual(state?.durations_ms.slow ?? 0);
    expect(stored.execution).toMatchObject({ status: "completed", origin: "source" });
  });
});

describe("pass-through and reuse of streamed artifacts", () => {
  it("feeds a record processor a pass-through of a streamed artifact as a stream", async () => {
    const store = createMemoryStore();
    const summary = await runPlan(
      makePlan([
        { id: "a", component: "streamed_a" },
        { id: "copy", inputs: ["a"] },
        { id: "doubled", component: "double", inputs: ["copy"] },
      ]),
      { store, registry },
    );
    expect(summary.status).toBe("completed");
    expect(await isStreamed(store, summary.run_id, "copy")).toBe(true);
    expect((await store.get(summary.run_id, "copy")).content).toEqual(
      (await store.get(summary.run_id, "a")).content,
    );
    expect((await store.get(summary.run_id, "doubled")).content).toEqual({
      rows: [0, 2, 4, 6, 8].map((i) => ({ i })),
    });
    const state = await readRunState(store, summary.run_id);
    expect(state?.digests.copy).toBe(await store.digest(summary.run_id, "copy"));
  });

  it("reuses a verified streamed artifact as a stream with its own recorded digest", async () => {
    const store = createMemoryStore();
    const first = await runPlan(makePlan([{ id: "a", component: "streamed_a" }]), {
      store,
      registry,
    });
    const second = await runPlan(
      makePlan([{ id: "again", reuse: { from_run: first.run_id, artifact: "a" } }]),
      { store, registry },
    );
    expect(second.status).toBe("completed");
    expect(await isStreamed(store, second.run_id, "again")).toBe(true);
    expect((await store.get(second.run_id, "again")).content).toEqual(
      (await store.get(first.run_id, "a")).content,
    );
    const state = await readRunState(store, second.run_id);
    expect(state?.digests.again).toBe(await store.digest(second.run_id, "again"));
  });

  it("refuses to reuse a streamed artifact whose stored bytes no longer match its digest", async () => {
    const store = createMemoryStore();
    const first = await runPlan(makePlan([{ id: "a", component: "streamed_a" }]), {
      store,
      registry,
    });
    // The same key rewritten with other records: a valid stream, but not what completed.
    const writer = await store.openArtifactWriter(
      first.run_id,
      "a",
      { ...(await store.openArtifactReader(first.run_id, "a")).envelope, content: null },
      { recordsField: "rows", head: { name: "a" } },
    );
    await writer.write({ i: 666 });
    await writer.commit({ total: 1 });
    const second = await runPlan(
      makePlan([{ id: "again", reuse: { from_run: first.run_id, artifact: "a" } }]),
      { store, registry },
    );
    expect(second.artifacts[0]?.error?.code).toBe("ERR_REUSE_ARTIFACT_NOT_FOUND");
  });
});

describe("child runbooks with streamed artifacts", () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    ({ dir, cleanup } = await makeTempDir());
  });
  afterEach(async () => {
    await cleanup();
  });

  it("uses a child runbook's streamed output in the parent", async () => {
    await writeFiles(dir, {
      "runbook.yaml": yaml`
        name: parent
        description: doubles rows in a child, sums them here
        artifacts:
          data:
            source: { type: streamed_a }
          doubled:
            inputs: data
            child_runbook: { path: child.yaml }
          total:
            inputs: doubled
            process: { type: sum }
      `,
      "child.yaml": yaml`
        name: child
        description: doubles its rows, streamed
        inputs:
          rows: { input_schema: test_data }
        outputs:
          out: { artifact: twice }
        artifacts:
          twice:
            inputs: rows
            process: { type: double }
      `,
    });
    const { plan } = await planRunbook(join(dir, "runbook.yaml"), {
      plugins: [{ plugin, source: "inline" }],
    });
    const store = createMemoryStore();
    const summary = await runPlan(plan, { store, registry });
    expect(summary.status).toBe("completed");
    expect(await isStreamed(store, summary.run_id, "doubled__twice")).toBe(true);
    expect(await isStreamed(store, summary.run_id, "doubled")).toBe(true);
    expect((await store.get(summary.run_id, "doubled")).content).toEqual({
      rows: [0, 2, 4, 6, 8].map((i) => ({ i })),
    });
    expect((await store.get(summary.run_id, "total")).content).toEqual({ sum: 20 });
  });
});
