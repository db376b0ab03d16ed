import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ComponentContext, InputMessage, RecordInput } from "@wct/plugin-api";
import { streamContent } from "@wct/plugin-api";
import type { ArtifactStore, ArtifactWriter } from "@wct/store-core";
import { describe, expect, it } from "vitest";
import { type RunEvent, runPlan } from "../src/index.js";
import { createRegistry } from "../src/plan/registry.js";
import {
  createFsStore,
  createMemoryStore,
  DATA,
  deferred,
  makePlan,
  RESULT,
} from "./fixtures/run/helpers.js";

const ROWS = 5000;

/** Streams `count` rows `{ i, label }` under head `{ name }` and summary `{ total }`. */
function rows(count: number, options: { failAt?: number; onPull?: (i: number) => void } = {}) {
  return streamContent({
    recordsField: "rows",
    head: { name: "numbers" },
    records: (async function* () {
      for (let i = 0; i < count; i++) {
        if (i === options.failAt) throw Object.assign(new Error("disk gone"), { code: "EIO" });
        options.onPull?.(i);
        yield { i, label: `row-${i}` };
      }
    })(),
    summary: () => ({ total: count }),
  });
}

function materialised(count: number) {
  return {
    name: "numbers",
    rows: Array.from({ length: count }, (_, i) => ({ i, label: `row-${i}` })),
    total: count,
  };
}

function registry(
  overrides: {
    count?: number;
    failAt?: number;
    onPull?: (i: number) => void;
    gate?: Promise<void>;
  } = {},
) {
  const count = overrides.count ?? ROWS;
  return createRegistry([
    {
      source: "inline",
      plugin: {
        name: "stream",
        connectors: [
          {
            type: "streamed",
            description: "streams rows",
            outputSchema: DATA,
            extract: async () => rows(count, overrides),
          },
          {
            type: "plain",
            description: "returns rows whole",
            outputSchema: DATA,
            extract: async () => materialised(3),
          },
        ],
        processors: [
          {
            type: "sum_plain",
            description: "sums i over materialised inputs",
            inputSchemas: [[DATA]],
            outputSchema: RESULT,
            process: async ({
              inputs,
            }: ComponentContext<unknown> & { inputs: readonly InputMessage[] }) => ({
              sum: (inputs[0]!.content as { rows: { i: number }[] }).rows.reduce(
                (a, r) => a + r.i,
                0,
              ),
            }),
          },
          {
            type: "double",
            description: "reads rows as records, streams them doubled",
            readsInputsAsRecords: true as const,
            inputSchemas: [[DATA]],
            outputSchema: RESULT,
            process: async ({
              inputs,
            }: ComponentContext<unknown> & { inputs: readonly RecordInput[] }) => {
              const input = inputs[0]!;
              let seen = 0;
              return streamContent({
                recordsField: "doubled",
                head: { from: input.head.name ?? null },
                records: (async function* () {
                  for await (const row of input.records("rows")) {
                    seen++;
                    await overrides.gate;
                    yield (row as { i: number }).i * 2;
                  }
                })(),
                summary: async () => ({ seen, upstream: await input.summary() }),
              });
            },
          },
        ],
      },
    },
  ]);
}

describe("streamed artifacts in a run", () => {
  it("stores a streamed connector's records and get() materialises them", async () => {
    const store = createMemoryStore();
    const summary = await runPlan(makePlan([{ id: "numbers", component: "streamed" }]), {
      store,
      registry: registry(),
    });
    expect(summary.status).toBe("completed");
    expect((await store.get(summary.run_id, "numbers")).content).toEqual(materialised(ROWS));
  });

  it("feeds a plain processor the streamed input materialised", async () => {
    const store = createMemoryStore();
    const summary = await runPlan(
      makePlan([
        { id: "numbers", component: "streamed" },
        { id: "sum", component: "sum_plain", inputs: ["numbers"] },
      ]),
      { store, registry: registry() },
    );
    expect((await store.get(summary.run_id, "sum")).content).toEqual({
      sum: (ROWS * (ROWS - 1)) / 2,
    });
  });

  it("feeds a record processor a streamed input as records and streams its output", async () => {
    const store = createMemoryStore();
    const summary = await runPlan(
      makePlan([
        { id: "numbers", component: "streamed" },
        { id: "doubled", component: "double", inputs: ["numbers"] },
      ]),
      { store, registry: registry({ count: 4 }) },
    );
    const reader = await store.openArtifactReader(summary.run_id, "doubled");
    expect(reader.layout?.recordsField).toBe("doubled");
    await reader.close();
    expect((await store.get(summary.run_id, "doubled")).content).toEqual({
      from: "numbers",
      doubled: [0, 2, 4, 6],
      seen: 4,
      upstream: { total: 4 },
    });
  });

  it("feeds a record processor a plain input's array as records", async () => {
    const store = createMemoryStore();
    const summary = await runPlan(
      makePlan([
        { id: "numbers", component: "plain" },
        { id: "doubled", component: "double", inputs: ["numbers"] },
      ]),
      { store, registry: registry() },
    );
    expect((await store.get(summary.run_id, "doubled")).content).toEqual({
      from: null,
      doubled: [0, 2, 4],
      seen: 3,
      upstream: { name: "numbers", total: 3 },
    });
  });

  it("passes a streamed artifact through as a stream with the same content", async () => {
    const store = createMemoryStore();
    const summary = await runPlan(
      makePlan([
        { id: "numbers", component: "streamed" },
        { id: "copy", inputs: ["numbers"] },
      ]),
      { store, registry: registry({ count: 10 }) },
    );
    const reader = await store.openArtifactReader(summary.run_id, "copy");
    expect(reader.layout?.recordsField).toBe("rows");
    await reader.close();
    expect((await store.get(summary.run_id, "copy")).content).toEqual(materialised(10));
  });

  it("reuses a streamed artifact of an earlier run as a stream", async () => {
    const store = createMemoryStore();
    const first = await runPlan(makePlan([{ id: "numbers", component: "streamed" }]), {
      store,
      registry: registry({ count: 10 }),
    });
    const second = await runPlan(
      makePlan([{ id: "again", reuse: { from_run: first.run_id, artifact: "numbers" } }]),
      { store, registry: registry() },
    );
    expect(second.status).toBe("completed");
    expect((await store.get(second.run_id, "again")).content).toEqual(materialised(10));
  });

  it("fails only the artifact whose records iterator throws, storing no half of it", async () => {
    const store = createMemoryStore();
    const summary = await runPlan(
      makePlan([
        { id: "numbers", component: "streamed" },
        { id: "doubled", component: "double", inputs: ["numbers"] },
      ]),
      { store, registry: registry({ failAt: 100 }) },
    );
    expect(summary.artifacts.map((a) => [a.id, a.status])).toEqual([
      ["numbers", "failed"],
      ["doubled", "skipped"],
    ]);
    const stored = await store.get(summary.run_id, "numbers");
    expect(stored.execution?.status).toBe("failed");
    expect(stored.content).toBeNull();
  });

  it("rejects a streamed record that is not JSON as ERR_INVALID_OUTPUT", async () => {
    const store = createMemoryStore();
    const bad = createRegistry([
      {
        source: "inline",
        plugin: {
          name: "bad",
          connectors: [
            {
              type: "nan",
              description: "streams NaN",
              outputSchema: DATA,
              extract: async () => streamContent({ recordsField: "xs", records: [1, Number.NaN] }),
            },
          ],
        },
      },
    ]);
    const summary = await runPlan(makePlan([{ id: "xs", component: "nan" }]), {
      store,
      registry: bad,
    });
    expect(summary.artifacts[0]?.error?.code).toBe("ERR_INVALID_OUTPUT");
  });

  it("reports progress of a streamed artifact as it is stored", async () => {
    const events: RunEvent[] = [];
    await runPlan(makePlan([{ id: "numbers", component: "streamed" }]), {
      store: createMemoryStore(),
      registry: registry(),
      onEvent: (event) => events.push(event),
    });
    const progress = events.filter((e) => e.type === "artifact_progress");
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)).toMatchObject({ id: "numbers", items: ROWS, unit: "records" });
  });

  it("announces a streamed artifact's closing summary in its finished event, as the store reads it back", async () => {
    const store = createMemoryStore();
    const events: RunEvent[] = [];
    const summary = await runPlan(
      makePlan([
        { id: "numbers", component: "streamed" },
        { id: "whole", component: "plain" },
      ]),
      { store, registry: registry(), onEvent: (event) => events.push(event) },
    );
    const finished = events.filter((e) => e.type === "artifact_finished");
    const numbers = finished.find((e) => e.id === "numbers");
    const reader = await store.openArtifactReader(summary.run_id, "numbers");
    expect(numbers?.closing).toEqual(await reader.summary());
    expect(numbers?.closing).toEqual({ total: ROWS });
    await reader.close();
    // A plain artifact has no stream to close.
    expect(finished.find((e) => e.id === "whole")).not.toHaveProperty("closing");
  });

  it("interrupted mid-stream, stores nothing of the artifact and resumes to the full content", async () => {
    const store = createMemoryStore();
    const controller = new AbortController();
    const reached = deferred();
    const plan = makePlan([{ id: "numbers", component: "streamed" }]);
    const first = await runPlan(plan, {
      store,
      registry: registry({
        onPull: (i) => {
          if (i === 1000) {
            reached.resolve();
            controller.abort(new Error("Ctrl-C"));
          }
        },
      }),
      signal: controller.signal,
    });
    await reached.promise;
    expect(first.status).toBe("interrupted");
    expect(first.artifacts[0]?.error?.code).toBe("ERR_INTERRUPTED");
    // What is stored is the failure record, never a part of the stream.
    const stored = await store.openArtifactReader(first.run_id, "numbers");
    expect(stored.layout).toBeUndefined();
    expect(stored.envelope.execution?.status).toBe("failed");
    await stored.close();

    const resumed = await runPlan(plan, { store, registry: registry(), resume: first.run_id });
    expect(resumed.status).toBe("completed");
    expect((await store.get(first.run_id, "numbers")).content).toEqual(materialised(ROWS));
  });

  it("keeps a verified streamed artifact on resume without producing it again", async () => {
    const store = createMemoryStore();
    const plan = makePlan([
      { id: "numbers", component: "streamed" },
      { id: "sum", component: "sum_plain", inputs: ["numbers"], optional: true },
    ]);
    let pulls = 0;
    const first = await runPlan(plan, { store, registry: registry({ count: 10 }) });
    const again = await runPlan(plan, {
      store,
      registry: registry({ count: 10, onPull: () => pulls++ }),
      resume: first.run_id,
    });
    expect(again.artifacts.every((a) => a.kept)).toBe(true);
    expect(pulls).toBe(0);
  });
});

describe("a misbehaving streamed component", () => {
  function streaming(records: () => AsyncIterable<unknown>) {
    return createRegistry([
      {
        source: "inline",
        plugin: {
          name: "bad",
          connectors: [
            {
              type: "bad",
              description: "misbehaves mid-stream",
              outputSchema: DATA,
              extract: async () => streamContent({ recordsField: "xs", records: records() }),
            },
            {
              type: "plain",
              description: "returns rows whole",
              outputSchema: DATA,
              extract: async () => materialised(3),
            },
          ],
        },
      },
    ]);
  }

  it("calling process.exit mid-stream fails only its artifact and stores none of its stream", async () => {
    const store = createMemoryStore();
    let aborted = 0;
    const openArtifactWriter = store.openArtifactWriter.bind(store);
    const watched: ArtifactStore = Object.assign(Object.create(store), {
      async openArtifactWriter(...args: Parameters<ArtifactStore["openArtifactWriter"]>) {
        const writer: ArtifactWriter = await openArtifactWriter(...args);
        const abort = writer.abort.bind(writer);
        return Object.assign(writer, {
          abort: async () => {
            aborted++;
            await abort();
          },
        });
      },
    });
    const summary = await runPlan(
      makePlan([
        { id: "bad", component: "bad" },
        { id: "good", component: "plain" },
      ]),
      {
        store: watched,
        registry: streaming(async function* () {
          yield 1;
          process.exit(0);
        }),
      },
    );
    expect(summary.artifacts.map((a) => [a.id, a.status, a.error?.code ?? null])).toEqual([
      ["bad", "failed", "ERR_COMPONENT_CRASHED"],
      ["good", "completed", null],
    ]);
    expect(aborted).toBe(1);
    expect((await store.get(summary.run_id, "bad")).content).toBeNull();
  });

  it("masks a substituted secret in the error of a stream that fails", async () => {
    const secret = "s3cret-value-123";
    // What a message shows instead of the value: the placeholder as the runbook wrote it.
    const placeholder = ["$", "{TOKEN}"].join("");
    const plan = {
      ...makePlan([{ id: "bad", component: "bad" }]),
      secrets: new Map([[secret, placeholder]]),
    };
    const summary = await runPlan(plan, {
      store: createMemoryStore(),
      registry: streaming(async function* () {
        yield 1;
        throw new Error(`cannot open ${secret}`);
      }),
    });
    const error = summary.artifacts[0]?.error;
    expect(error?.code).toBe("ERR_COMPONENT_FAILED");
    expect(error?.message).not.toContain(secret);
    expect(error?.message).toContain(placeholder);
  });
});

describe("resume verification of a streamed artifact", () => {
  it("rebuilds a completed streamed artifact whose stored bytes were damaged (one byte flipped)", async () => {
    const base = await mkdtemp(join(tmpdir(), "wct-flip-"));
    try {
      const store = createFsStore({ baseDir: base });
      const plan = makePlan([
        { id: "numbers", component: "streamed" },
        { id: "doubled", component: "double", inputs: ["numbers"] },
      ]);
      const first = await runPlan(plan, { store, registry: registry({ count: 2000 }) });
      const clean = (await store.get(first.run_id, "numbers")).content;
      const file = join(base, "runs", first.run_id, "numbers.jsonl.br");
      const bytes = await readFile(file);
      bytes[bytes.length >> 1]! ^= 0x01;
      await writeFile(file, bytes);
      let pulls = 0;
      const again = await runPlan(plan, {
        store,
        registry: registry({ count: 2000, onPull: () => pulls++ }),
        resume: first.run_id,
      });
      expect(again.status).toBe("completed");
      expect(again.artifacts.find((a) => a.id === "numbers")?.kept).toBe(false);
      expect(pulls).toBe(2000);
      expect((await store.get(first.run_id, "numbers")).content).toEqual(clean);
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });
});
