// The executor's memory bounds: a streamed artifact four times the heap bound, against
// a slow store and piped to a slow consumer, stays within the bound. The heap is
// measured after a full GC (see fixtures/run/helpers.ts); the file runs in a process of
// its own (the isolated project in vitest.config.ts), so no other file's memory counts.
import type { ComponentContext, RecordInput } from "@wct/plugin-api";
import type { ArtifactStore, ArtifactWriter } from "@wct/store-core";
import { describe, expect, it } from "vitest";
import { runPlan } from "../src/index.js";
import { createRegistry } from "../src/plan/registry.js";
import { LIVE_QUEUE_RECORDS } from "../src/run/pipeline.js";
import {
  bigConnector,
  createMemoryStore,
  DATA,
  heapPeakFromNow,
  makePlan,
  RESULT,
} from "./fixtures/run/helpers.js";

/**
 * A memory store whose streamed writers count each record's serialised bytes into
 * `counter` and drop the record; `slow` gives the event loop a turn per record (a slow
 * consumer). `onCommit` runs at each commit.
 */
function droppingStore(
  counter: { bytes: number },
  options: { slow?: boolean; onCommit?: () => void } = {},
): ArtifactStore {
  const store = createMemoryStore();
  return {
    ...store,
    async openArtifactWriter() {
      let records = 0;
      return {
        get records() {
          return records;
        },
        get sourceBytes() {
          return counter.bytes;
        },
        async write(record: unknown) {
          counter.bytes += Buffer.byteLength(JSON.stringify(record));
          records++;
          if (options.slow) await new Promise((resolve) => setImmediate(resolve));
        },
        async commit() {
          options.onCommit?.();
          return { digest: "sha256:0", records, sourceBytes: counter.bytes, storedBytes: 0 };
        },
        async abort() {},
      } satisfies ArtifactWriter;
    },
  };
}

describe("backpressure against a slow store", () => {
  it("holds a stream four times the heap bound against a slow store in bounded heap", async () => {
    const RECORD = "x".repeat(16 * 1024);
    // 64 MB of record text, produced as fast as it is pulled: a pipeline that buffered
    // it would pass the 16 MB bound four times over.
    const COUNT = 4 * 1024;
    // What the store counts per record: its JSON.
    const RECORD_BYTES = JSON.stringify(RECORD).length;
    const counter = { bytes: 0 };
    let maxAhead = 0;
    const heap = heapPeakFromNow();
    const big = bigConnector(RECORD, COUNT, heap, (i) => {
      maxAhead = Math.max(maxAhead, (i + 1) * RECORD_BYTES - counter.bytes);
    });
    const reg = createRegistry([{ source: "inline", plugin: { name: "big", connectors: [big] } }]);
    const summary = await runPlan(makePlan([{ id: "blobs", component: "big" }]), {
      store: droppingStore(counter, { slow: true }),
      registry: reg,
    });
    expect(summary.status).toBe("completed");
    expect(counter.bytes).toBe(COUNT * RECORD_BYTES);
    // The producer never runs more than a few records ahead of what the store took.
    expect(maxAhead).toBeLessThan(3 * RECORD_BYTES);
    expect(heap.peak).toBeLessThan(16 * 1024 * 1024);
  }, 30_000);
});

describe("a live consumer", () => {
  it("holds 64 MB of records piped to a slow consumer in bounded heap", async () => {
    const RECORD = "x".repeat(16 * 1024);
    // Four times the 16 MB bound: a pipeline that buffered the records would exceed it.
    const COUNT = 4 * 1024;
    const counters = { produced: 0, consumed: 0, maxAhead: 0 };
    let stored = 0;
    const heap = heapPeakFromNow();
    const reg = createRegistry([
      {
        source: "inline",
        plugin: {
          name: "big",
          connectors: [
            bigConnector(RECORD, COUNT, heap, () => {
              counters.produced++;
            }),
          ],
          processors: [
            {
              type: "measure",
              description: "counts bytes, one event-loop turn per record",
              readsInputsAsRecords: true as const,
              inputSchemas: [[DATA]],
              outputSchema: RESULT,
              process: async ({
                inputs,
              }: ComponentContext<unknown> & { inputs: readonly RecordInput[] }) => {
                let bytes = 0;
                for await (const blob of inputs[0]!.records()) {
                  counters.consumed++;
                  counters.maxAhead = Math.max(
                    counters.maxAhead,
                    counters.produced - counters.consumed,
                  );
                  bytes += (blob as string).length;
                  await new Promise((resolve) => setImmediate(resolve));
                }
                return { bytes };
              },
            },
          ],
        },
      },
    ]);
    const summary = await runPlan(
      makePlan([
        { id: "blobs", component: "big" },
        { id: "sized", component: "measure", inputs: ["blobs"] },
      ]),
      { store: droppingStore({ bytes: 0 }, { onCommit: () => stored++ }), registry: reg },
    );
    expect(summary.status).toBe("completed");
    expect(stored).toBe(1);
    expect(counters.consumed).toBe(COUNT);
    expect(counters.maxAhead).toBeLessThanOrEqual(LIVE_QUEUE_RECORDS + 2);
    expect(heap.peak).toBeLessThan(16 * 1024 * 1024);
  }, 30_000);
});
