// The executor's memory bounds: a streamed artifact of 2 GB, against a slow store and
// piped to a slow consumer, stays within a 16 MB bound on the retained heap. The heap is
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
          // The records here are strings of ASCII without escapes: their JSON is the
          // text and two quotes (2 GB of JSON.stringify would take most of the test).
          counter.bytes +=
            typeof record === "string"
              ? record.length + 2
              : Buffer.byteLength(JSON.stringify(record));
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
  it("holds a 2 GB stream against a slow store in bounded heap", async () => {
    const RECORD = "x".repeat(64 * 1024);
    // 2 GB of record text, produced as fast as it is pulled: a pipeline that buffered
    // even a hundredth of it would pass the 16 MB bound.
    const COUNT = 32 * 1024;
    // What the store counts per record: its JSON.
    const RECORD_BYTES = JSON.stringify(RECORD).length;
    const counter = { bytes: 0 };
    let maxAhead = 0;
    const heap = heapPeakFromNow();
    // The heap sampled every 16 MB of records.
    const big = bigConnector(
      RECORD,
      COUNT,
      heap,
      (i) => {
        maxAhead = Math.max(maxAhead, (i + 1) * RECORD_BYTES - counter.bytes);
      },
      256,
    );
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
  }, 120_000);
});

describe("a live consumer", () => {
  it("holds 2 GB of records piped to a slow consumer in bounded heap", async () => {
    const RECORD = "x".repeat(64 * 1024);
    // 2 GB: a pipeline that buffered even a hundredth of the records would pass the
    // 16 MB bound (the live queue holds 16 of them, 1 MB).
    const COUNT = 32 * 1024;
    const counters = { produced: 0, consumed: 0, maxAhead: 0 };
    let stored = 0;
    const heap = heapPeakFromNow();
    const reg = createRegistry([
      {
        source: "inline",
        plugin: {
          name: "big",
          connectors: [
            bigConnector(
              RECORD,
              COUNT,
              heap,
              () => {
                counters.produced++;
              },
              256,
            ),
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
  }, 120_000);
});
