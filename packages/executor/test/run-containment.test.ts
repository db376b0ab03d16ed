import { AsyncLocalStorage } from "node:async_hooks";
import type { ArtifactStore } from "@wct/store-core";
import { afterEach, describe, expect, it, vi } from "vitest";
import { type ExecutorError, ExecutorErrorCode, type RunSummary, runPlan } from "../src/index.js";
import {
  createHarness,
  createMemoryStore,
  deferred,
  liveRowsRegistry,
  makePlan,
} from "./fixtures/run/helpers.js";

afterEach(() => {
  vi.restoreAllMocks();
});

describe("containment of component failures", () => {
  it("a finished run leaves none of its AsyncLocalStorage enabled", async () => {
    // An enabled store stays in Node's list for good and slows every promise created
    // after it: a process running many runs must not collect one per run.
    const used = new Set<AsyncLocalStorage<unknown>>();
    const disabled = new Set<AsyncLocalStorage<unknown>>();
    const run = AsyncLocalStorage.prototype.run;
    vi.spyOn(AsyncLocalStorage.prototype, "run").mockImplementation(function (
      this: AsyncLocalStorage<unknown>,
      ...args: Parameters<typeof run>
    ) {
      used.add(this);
      return run.apply(this, args);
    });
    const disable = AsyncLocalStorage.prototype.disable;
    vi.spyOn(AsyncLocalStorage.prototype, "disable").mockImplementation(function (
      this: AsyncLocalStorage<unknown>,
    ) {
      disabled.add(this);
      return disable.call(this);
    });
    const summary = await runPlan(
      makePlan([
        { id: "a", component: "emit" },
        { id: "b", component: "combine", inputs: ["a"] },
      ]),
      { store: createMemoryStore(), registry: createHarness().registry },
    );
    expect(summary.status).toBe("completed");
    expect(used.size).toBeGreaterThan(0);
    expect([...used].filter((storage) => !disabled.has(storage))).toEqual([]);
  });
});

/**
 * `rows` streams two rows (the second once `rowsGoOn` resolves, when given), or
 * `records` when given; `read` reads them live and counts them, after `onStart(signal)`.
 */
function liveRegistry(
  options: {
    rowsGoOn?: Promise<void>;
    records?: AsyncIterable<unknown>;
    onStart?: (signal: AbortSignal) => void;
  } = {},
) {
  return liveRowsRegistry(
    () =>
      options.records ??
      (async function* () {
        yield { i: 0 };
        await options.rowsGoOn;
        yield { i: 1 };
      })(),
    {
      type: "read",
      process: async ({ inputs, signal }) => {
        options.onStart?.(signal);
        let count = 0;
        for await (const _ of inputs[0]!.records()) count++;
        return { count };
      },
    },
  );
}

/**
 * Records opened as a cursor is, when first iterated: opening them sets a timer that
 * throws (the connection dropped), and their rows never come.
 */
function droppedCursor(): AsyncIterable<unknown> {
  return {
    [Symbol.asyncIterator]() {
      setTimeout(() => {
        throw new Error("the cursor's connection dropped");
      });
      return {
        next: () => new Promise<IteratorResult<unknown>>(() => {}),
        return: async () => ({ done: true, value: undefined }),
      };
    },
  };
}

describe("containment of concurrent runs in one process", () => {
  const gatedPlan = (gate: string) =>
    makePlan([{ id: "a", component: "emit", properties: { gate, value: { ok: true } } }]);

  it("fails only the run whose component's failure escaped, not the others running", async () => {
    const records = droppedCursor();
    const harness = createHarness();
    const other = runPlan(gatedPlan("later"), {
      store: createMemoryStore(),
      registry: harness.registry,
    });
    await harness.started("a");
    const crashed = await runPlan(
      makePlan([
        { id: "rows", component: "rows" },
        { id: "read", component: "read", inputs: ["rows"] },
      ]),
      { store: createMemoryStore(), registry: liveRegistry({ records }) },
    );
    harness.open("later");
    expect(crashed.artifacts[0]?.error?.code).toBe(ExecutorErrorCode.ComponentCrashed);
    expect((await other).status).toBe("completed");
  });

  it("listens for escaped failures once, however many runs are under way", async () => {
    const before = process.listenerCount("uncaughtException");
    const rejections = process.listenerCount("unhandledRejection");
    const harness = createHarness();
    const runs = Array.from({ length: 12 }, () =>
      runPlan(gatedPlan("all"), { store: createMemoryStore(), registry: harness.registry }),
    );
    await vi.waitUntil(() => harness.running === 12);
    const during = [
      process.listenerCount("uncaughtException"),
      process.listenerCount("unhandledRejection"),
    ];
    harness.open("all");
    const summaries = await Promise.all(runs);
    expect(summaries.map((s) => s.status)).toEqual(Array(12).fill("completed"));
    expect(during).toEqual([before + 1, rejections + 1]);
    expect(process.listenerCount("uncaughtException")).toBe(before);
    expect(process.listenerCount("unhandledRejection")).toBe(rejections);
  });
});

describe("containment of live consumers", () => {
  it("fails the run for a failure that escapes while a live consumer's output is saved", async () => {
    // The save runs after the producer finished. Started from inside the producer's
    // containment, the consumer's own work would be the producer's: the failure would
    // fail an artifact that already completed, which is to say no one.
    const store = createMemoryStore();
    const leaky: ArtifactStore = Object.create(store);
    leaky.saveMessageText = async (runId, key, envelope, contentJson) => {
      if (key === "read") void Promise.reject(new Error("a write the store lost track of"));
      // A turn of the event loop, as a real store's write takes: the run still goes on
      // when the rejection is found unhandled.
      await new Promise((resolve) => setImmediate(resolve));
      return store.saveMessageText!(runId, key, envelope, contentJson);
    };
    const outcome = await runPlan(
      makePlan([
        { id: "rows", component: "rows" },
        { id: "read", component: "read", inputs: ["rows"] },
      ]),
      { store: leaky, registry: liveRegistry() },
    ).catch((error: unknown) => error);
    expect(outcome).toMatchObject({ code: ExecutorErrorCode.ComponentCrashed });
    expect((outcome as ExecutorError).details).toEqual({});
  });

  it("fails only the live consumer when its abort handler fails as its timeout fires", async () => {
    // The timer fires outside any component call: set up outside the consumer's
    // containment, what its handler does would be no artifact's (the run failed) or,
    // with the consumer started from inside its producer's containment, the producer's.
    const rowsGoOn = deferred();
    let lateHandler = false;
    const registry = liveRegistry({
      rowsGoOn: rowsGoOn.promise,
      onStart: (signal) => {
        lateHandler = signal.aborted;
        // Node reports a listener's throw as an uncaught exception.
        signal.addEventListener("abort", () => {
          // The producer goes on once the escaped exception has been dealt with.
          setImmediate(() => rowsGoOn.resolve());
          throw new Error("cleanup failed");
        });
      },
    });
    const outcome = await runPlan(
      makePlan([
        { id: "rows", component: "rows" },
        { id: "read", component: "read", inputs: ["rows"], timeout: 0.01 },
      ]),
      { store: createMemoryStore(), registry },
    ).catch((error: unknown) => error);
    expect(lateHandler).toBe(false);
    expect(outcome).toMatchObject({ status: "failed" });
    expect(
      (outcome as RunSummary).artifacts.map((a) => [a.id, a.status, a.error?.code ?? null]),
    ).toEqual([
      ["rows", "completed", null],
      ["read", "failed", ExecutorErrorCode.ArtifactTimeout],
    ]);
  });

  it("fails the producer for a failure escaping what it starts as its records are opened", async () => {
    // Records opened when first iterated, as a cursor is: the tee that starts the live
    // consumers runs outside the producer's containment, and must not open them there.
    const records = droppedCursor();
    const summary = await runPlan(
      makePlan([
        { id: "rows", component: "rows" },
        { id: "read", component: "read", inputs: ["rows"] },
      ]),
      { store: createMemoryStore(), registry: liveRegistry({ records }) },
    );
    expect(summary.artifacts.map((a) => [a.id, a.status, a.error?.code ?? null])).toEqual([
      ["rows", "failed", ExecutorErrorCode.ComponentCrashed],
      ["read", "skipped", ExecutorErrorCode.UpstreamFailed],
    ]);
  });
});
