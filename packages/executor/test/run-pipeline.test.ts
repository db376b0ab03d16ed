import type { ComponentContext, RecordInput, StreamedContent } from "@wct/plugin-api";
import { streamContent } from "@wct/plugin-api";
import type { ArtifactStore, ArtifactWriter } from "@wct/store-core";
import { describe, expect, it } from "vitest";
import { ExecutorErrorCode, type RunEvent, runPlan } from "../src/index.js";
import { createRegistry } from "../src/plan/registry.js";
import {
  LIVE_QUEUE_RECORDS,
  LIVE_TURN_EVERY_MS,
  LiveFeed,
  Pipelines,
} from "../src/run/pipeline.js";
import { createMemoryStore, DATA, deferred, makePlan, RESULT } from "./fixtures/run/helpers.js";

interface Counters {
  produced: number;
  consumed: number;
  maxAhead: number;
}

function numbers(count: number, counters: Counters, failAt?: number): StreamedContent {
  return streamContent({
    recordsField: "rows",
    head: { name: "numbers" },
    records: (async function* () {
      for (let i = 0; i < count; i++) {
        if (i === failAt) throw Object.assign(new Error("disk gone"), { code: "EIO" });
        counters.produced++;
        counters.maxAhead = Math.max(counters.maxAhead, counters.produced - counters.consumed);
        yield { i, label: `row-${i}` };
      }
    })(),
    summary: () => ({ total: count }),
  });
}

function registry(
  options: { count?: number; failAt?: number; slow?: boolean; counters?: Counters } = {},
) {
  const counters = options.counters ?? { produced: 0, consumed: 0, maxAhead: 0 };
  return createRegistry([
    {
      source: "inline",
      plugin: {
        name: "pipe",
        connectors: [
          {
            type: "numbers",
            description: "streams rows",
            outputSchema: DATA,
            extract: async () => numbers(options.count ?? 2000, counters, options.failAt),
          },
        ],
        processors: [
          {
            type: "square",
            description: "reads rows as records, streams their squares",
            readsInputsAsRecords: true as const,
            inputSchemas: [[DATA]],
            outputSchema: RESULT,
            process: async ({
              inputs,
            }: ComponentContext<unknown> & { inputs: readonly RecordInput[] }) => {
              const input = inputs[0]!;
              return streamContent({
                recordsField: "squares",
                head: { from: input.head.name ?? null },
                records: (async function* () {
                  for await (const row of input.records()) {
                    counters.consumed++;
                    if (options.slow) await new Promise((resolve) => setImmediate(resolve));
                    yield (row as { i: number }).i ** 2;
                  }
                })(),
                summary: async () => ({ upstream: await input.summary() }),
              });
            },
          },
        ],
      },
    },
  ]);
}

const PIPE = [
  { id: "numbers", component: "numbers" },
  { id: "squares", component: "square", inputs: ["numbers"] },
];

function order(events: RunEvent[]): string[] {
  return events
    .filter((e) => e.type === "artifact_started" || e.type === "artifact_finished")
    .map((e) => `${e.type === "artifact_started" ? "start" : "end"} ${(e as { id: string }).id}`);
}

describe("pipelined streamed artifacts", () => {
  it("runs a record-reading processor while its streamed input is being written", async () => {
    const events: RunEvent[] = [];
    const summary = await runPlan(makePlan(PIPE), {
      store: createMemoryStore(),
      registry: registry(),
      onEvent: (e) => events.push(e),
    });
    expect(summary.status).toBe("completed");
    expect(order(events)).toEqual(["start numbers", "start squares", "end numbers", "end squares"]);
  });

  it("stores the same artifacts as a run that reads the input back from the store", async () => {
    const piped = createMemoryStore();
    const a = await runPlan(makePlan(PIPE), { store: piped, registry: registry({ count: 500 }) });
    // One artifact at a time: the consumer can only start once its input is stored.
    const sequential = createMemoryStore();
    const events: RunEvent[] = [];
    const b = await runPlan(makePlan(PIPE, { maxConcurrency: 1 }), {
      store: sequential,
      registry: registry({ count: 500 }),
      onEvent: (e) => events.push(e),
    });
    expect(order(events)).toEqual(["start numbers", "end numbers", "start squares", "end squares"]);
    for (const id of ["numbers", "squares"]) {
      expect((await piped.get(a.run_id, id)).content).toEqual(
        (await sequential.get(b.run_id, id)).content,
      );
    }
    expect((await piped.get(a.run_id, "squares")).content).toMatchObject({
      from: "numbers",
      upstream: { total: 500 },
    });
  });

  it("keeps a slow consumer's producer within the live queue's bound", async () => {
    const counters = { produced: 0, consumed: 0, maxAhead: 0 };
    const summary = await runPlan(makePlan(PIPE), {
      store: createMemoryStore(),
      // Thirty queues' worth: a producer left unbounded runs hundreds of records ahead.
      registry: registry({ count: 500, slow: true, counters }),
    });
    expect(summary.status).toBe("completed");
    expect(counters.consumed).toBe(500);
    // The queue, the record in the consumer's hands and the one the producer holds.
    expect(counters.maxAhead).toBeLessThanOrEqual(LIVE_QUEUE_RECORDS + 2);
  });

  it("fails the live consumer with its producer: it is skipped and nothing of it is stored", async () => {
    const store = createMemoryStore();
    const events: RunEvent[] = [];
    const summary = await runPlan(makePlan(PIPE), {
      store,
      registry: registry({ failAt: 500 }),
      onEvent: (e) => events.push(e),
    });
    expect(order(events)).toContain("start squares");
    expect(summary.artifacts.map((a) => [a.id, a.status])).toEqual([
      ["numbers", "failed"],
      ["squares", "skipped"],
    ]);
    expect(summary.artifacts[1]!.error?.code).toBe("ERR_UPSTREAM_FAILED");
    expect(await store.exists(summary.run_id, "squares")).toBe(false);
    const state = await store.getJson<{ completed: string[] }>(summary.run_id, "_system/state");
    expect(state.completed).toEqual([]);
  });

  it("counts the consumer as completed only after its producer", async () => {
    // The producer's commit is slow: the consumer is done long before it.
    const base = createMemoryStore();
    const gate = deferred();
    const committed = deferred();
    const store: ArtifactStore = {
      ...base,
      async openArtifactWriter(runId, key, envelope, layout) {
        const writer = await base.openArtifactWriter(runId, key, envelope, layout);
        return {
          get records() {
            return writer.records;
          },
          get sourceBytes() {
            return writer.sourceBytes;
          },
          write: (record) => writer.write(record),
          commit: async (summary) => {
            if (key === "numbers") await gate.promise;
            const done = await writer.commit(summary);
            if (key === "squares") committed.resolve();
            return done;
          },
          abort: () => writer.abort(),
        } satisfies ArtifactWriter;
      },
    };
    const events: RunEvent[] = [];
    const run = runPlan(makePlan(PIPE), {
      store,
      registry: registry({ count: 10 }),
      onEvent: (e) => {
        events.push(e);
      },
    });
    // The consumer's own stream commits while the producer's commit waits.
    await committed.promise;
    expect(order(events)).toEqual(["start numbers", "start squares"]);
    gate.resolve();
    const summary = await run;
    expect(summary.status).toBe("completed");
    expect(order(events)).toEqual(["start numbers", "start squares", "end numbers", "end squares"]);
  });
});

describe("LiveFeed", () => {
  it("makes the producer wait once the queue is full, until the consumer reads", async () => {
    const feed = new LiveFeed();
    for (let i = 0; i < LIVE_QUEUE_RECORDS; i++) expect(feed.push(i)).toBeUndefined();
    let pushed = false;
    const blocked = feed.push("one more");
    expect(blocked).toBeDefined();
    const waited = blocked?.then(() => {
      pushed = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(pushed).toBe(false);
    const content = streamContent({ recordsField: "rows", records: [], summary: () => ({}) });
    const records = feed.input("in", DATA, "test", content).records()[Symbol.asyncIterator]();
    expect((await records.next()).value).toBe(0);
    await waited;
    expect(pushed).toBe(true);
    expect(feed.queued).toBe(LIVE_QUEUE_RECORDS);
  });

  it("stops holding the producer back once the consumer stops reading", async () => {
    const feed = new LiveFeed();
    const content = streamContent({ recordsField: "rows", records: [], summary: () => ({}) });
    const input = feed.input("in", DATA, "test", content);
    for (let i = 0; i < LIVE_QUEUE_RECORDS; i++) await feed.push(i);
    for await (const record of input.records()) {
      if (record === 0) break;
    }
    for (let i = 0; i < 10 * LIVE_QUEUE_RECORDS; i++) await feed.push(i);
    expect(feed.queued).toBe(0);
  });

  it("fails a second read of a live input's records with ERR_COMPONENT_FAILED", async () => {
    const feed = new LiveFeed();
    const content = streamContent({ recordsField: "rows", records: [], summary: () => ({}) });
    const input = feed.input("in", DATA, "test", content);
    await feed.push(1);
    feed.end({});
    for await (const _ of input.records()) {
      // The one read a live input allows.
    }
    await expect(input.records()[Symbol.asyncIterator]().next()).rejects.toMatchObject({
      code: ExecutorErrorCode.ComponentFailed,
    });
  });

  it("lets a producer that needs a turn of the event loop per record keep ahead of a consumer that works synchronously", async () => {
    const feed = new LiveFeed();
    const content = streamContent({ recordsField: "rows", records: [], summary: () => ({}) });
    const input = feed.input("in", DATA, "test", content);
    const total = 5 * LIVE_QUEUE_RECORDS;
    // Like a file read: each record completes on a later turn of the event loop.
    const producing = (async () => {
      for (let i = 0; i < total; i++) {
        await new Promise((resolve) => setImmediate(resolve));
        await feed.push(i);
      }
      feed.end({});
    })();
    while (feed.queued < LIVE_QUEUE_RECORDS) await new Promise((r) => setImmediate(r));
    let emptyAt = 0;
    let read = 0;
    for await (const _ of input.records()) {
      read++;
      if (feed.queued === 0 && read < total) emptyAt++;
      // Like a scan: synchronous work on each record, longer than LIVE_TURN_EVERY_MS.
      const until = performance.now() + 2 * LIVE_TURN_EVERY_MS;
      while (performance.now() < until) {
        // busy
      }
    }
    await producing;
    expect(read).toBe(total);
    // Handed over without turns, the queue would drain in one go every 16 records.
    expect(emptyAt).toBe(0);
  });

  it("throws the producer's failure to the consumer after the records it queued", async () => {
    const feed = new LiveFeed();
    const content = streamContent({ recordsField: "rows", records: [], summary: () => ({}) });
    const input = feed.input("in", DATA, "test", content);
    await feed.push(1);
    feed.fail(new Error("producer broke"));
    const seen: unknown[] = [];
    await expect(
      (async () => {
        for await (const record of input.records()) seen.push(record);
      })(),
    ).rejects.toThrow("producer broke");
    await expect(input.summary()).rejects.toThrow("producer broke");
  });
});

describe("Pipelines", () => {
  it("hands the stream on untouched when no dependent can start", () => {
    const pipes = new Pipelines({ candidates: () => [1], start: () => false });
    const content = streamContent({ recordsField: "rows", records: [], summary: () => ({}) });
    expect(pipes.tee(0, "in", { schema: DATA, source: "test" }, content)).toBe(content);
    expect(pipes.liveInput(1, "in")).toBeUndefined();
  });
});
