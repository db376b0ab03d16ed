import { describe, expect, it } from "vitest";
import { closeAttempt, newRunMetadata, openAttempt } from "../src/run/attempt.js";
import { COMPLETED, FAILED, PENDING, RUNNING, RunBook, SKIPPED } from "../src/run/book.js";
import { OutputCache } from "../src/run/outputs.js";
import { createProgressTracker } from "../src/run/progress.js";
import { readResumePoint, verifyCompleted } from "../src/run/resume.js";
import { schedule } from "../src/run/schedule.js";
import type { RunEvent, RunState } from "../src/run/types.js";
import { createMemoryStore, makePlan } from "./fixtures/run/helpers.js";

// a → b → c, a → d; e alone
const plan = () =>
  makePlan([
    { id: "a", component: "c" },
    { id: "b", component: "p", inputs: ["a"] },
    { id: "c", component: "p", inputs: ["b"] },
    { id: "d", component: "p", inputs: ["a"], optional: true },
    { id: "e", component: "c" },
  ]);

const state = (over: Partial<RunState> = {}): RunState => ({
  completed: [],
  not_started: [],
  failed: [],
  skipped: [],
  last_checkpoint: "2026-01-01T00:00:00.000Z",
  attempt: 1,
  digests: {},
  durations_ms: {},
  errors: {},
  ...over,
});

describe("run book", () => {
  it("starts with the artifacts without inputs ready", () => {
    expect(new RunBook(plan().artifacts).ready()).toEqual([0, 4]);
  });

  it("completing an artifact makes ready the dependents whose inputs are all done", () => {
    const book = new RunBook(plan().artifacts);
    expect(book.complete(0, "sha256:a", 5)).toEqual([1, 3]);
    expect(book.digests).toEqual({ a: "sha256:a" });
  });

  it("keeps what a resume verified, with its digest and duration, and readies its dependents", () => {
    const book = new RunBook(plan().artifacts);
    book.keep(["a"], state({ digests: { a: "sha256:a" }, durations_ms: { a: 7 } }));
    expect(book.status[0]).toBe(COMPLETED);
    expect(book.kept[0]).toBe(1);
    expect(book.durations[0]).toBe(7);
    expect(book.ready()).toEqual([1, 3, 4]);
  });

  it("skips everything downstream of a failure, naming the failed root", () => {
    const book = new RunBook(plan().artifacts);
    book.complete(0, "sha256:a", 1);
    book.fail(1, { code: "ERR_COMPONENT_FAILED", message: "x" }, 1);
    const skipped: string[] = [];
    book.skipDependents(1, (i, error) => skipped.push(`${book.artifacts[i]!.id}:${error.code}`));
    expect(skipped).toEqual(["c:ERR_UPSTREAM_FAILED"]);
    expect(book.status[2]).toBe(SKIPPED);
    expect(book.status[3]).toBe(PENDING);
  });

  it("builds the state lists from the statuses", () => {
    const book = new RunBook(plan().artifacts);
    book.complete(0, "sha256:a", 3);
    book.fail(4, { code: "ERR_COMPONENT_FAILED", message: "x" }, 2);
    const built = book.state(2, new Date("2026-01-01T00:00:00Z"));
    expect(built).toMatchObject({
      completed: ["a"],
      failed: ["e"],
      not_started: ["b", "c", "d"],
      attempt: 2,
      durations_ms: { a: 3, e: 2 },
    });
  });

  it("puts artifacts still running back to not started", () => {
    const book = new RunBook(plan().artifacts);
    book.status[0] = RUNNING;
    book.unstartRunning();
    expect(book.status[0]).toBe(PENDING);
  });

  it("ends completed when only optional artifacts failed", () => {
    const book = new RunBook(plan().artifacts);
    for (const i of [0, 1, 2, 4]) book.complete(i, "sha256:x", 1);
    book.fail(3, { code: "ERR_COMPONENT_FAILED", message: "x" }, 1);
    expect(book.finalStatus(undefined)).toBe("completed");
  });

  it("ends interrupted when an interrupt left work undone, failed on a required failure", () => {
    const book = new RunBook(plan().artifacts);
    book.complete(0, "sha256:a", 1);
    expect(book.finalStatus("ERR_INTERRUPTED")).toBe("interrupted");
    book.fail(1, { code: "ERR_COMPONENT_FAILED", message: "x" }, 1);
    expect(book.finalStatus(undefined)).toBe("failed");
    expect(book.status[1]).toBe(FAILED);
  });
});

describe("attempts", () => {
  it("opens an attempt and closes an earlier one left open as interrupted", () => {
    const meta = newRunMetadata("r1", "rb.yaml", plan(), new Date("2026-01-01T00:00:00Z"));
    const first = openAttempt(
      meta,
      new Date("2026-01-01T00:00:00Z"),
      { pid: 1, hostname: "h" },
      undefined,
    );
    const second = openAttempt(
      first.meta,
      new Date("2026-01-01T01:00:00Z"),
      { pid: 2, hostname: "h" },
      undefined,
    );
    expect(second.meta.attempts.map((a) => [a.attempt, a.status, a.ended_at])).toEqual([
      [1, "interrupted", "2026-01-01T01:00:00.000Z"],
      [2, "running", null],
    ]);
  });

  it("closes the current attempt and the run with one status", () => {
    const meta = newRunMetadata("r1", "rb.yaml", plan(), new Date("2026-01-01T00:00:00Z"));
    const { meta: open, attempt } = openAttempt(
      meta,
      new Date(0),
      { pid: 1, hostname: "h" },
      undefined,
    );
    const closed = closeAttempt(open, attempt, "failed", new Date("2026-01-02T00:00:00Z"));
    expect(closed.status).toBe("failed");
    expect(closed.completed_at).toBe("2026-01-02T00:00:00.000Z");
    expect(closed.attempts.at(-1)).toMatchObject({
      status: "failed",
      ended_at: closed.completed_at,
    });
  });
});

describe("output cache", () => {
  const output = { schema: { name: "x", version: "1" }, source: "s", contentText: "[1]" };

  it("holds an output until its last dependent took it", () => {
    const book = new RunBook(plan().artifacts);
    const cache = new OutputCache(book.artifacts, book.index, book.dependents);
    cache.hold(0, output);
    expect(cache.inputsOf(book.artifacts[1]!).take("a")).toBe(output);
    expect(cache.size).toBe(1);
    expect(cache.inputsOf(book.artifacts[3]!).take("a")).toBe(output);
    expect(cache.size).toBe(0);
  });

  it("lets go of inputs a failed or skipped dependent never took", () => {
    const book = new RunBook(plan().artifacts);
    const cache = new OutputCache(book.artifacts, book.index, book.dependents);
    cache.hold(0, output);
    cache.inputsOf(book.artifacts[1]!).releaseRest();
    cache.consumed(3);
    expect(cache.size).toBe(0);
  });

  it("never holds an output nobody reads", () => {
    const book = new RunBook(plan().artifacts);
    const cache = new OutputCache(book.artifacts, book.index, book.dependents);
    cache.hold(4, output);
    expect(cache.size).toBe(0);
  });
});

describe("scheduler", () => {
  it("runs ready work in plan order within the concurrency limit, then what it made ready", async () => {
    const order: number[] = [];
    let running = 0;
    let most = 0;
    await schedule({
      ready: [2, 0, 1],
      maxConcurrency: 2,
      stop: new AbortController().signal,
      run: async (i) => {
        order.push(i);
        most = Math.max(most, ++running);
        await new Promise((r) => setImmediate(r));
        running--;
        return i === 0 ? [3] : [];
      },
      onUnexpected: () => {},
    });
    expect(order).toEqual([0, 1, 2, 3]);
    expect(most).toBe(2);
  });

  it("starts nothing new once stopped and resolves when the running work settled", async () => {
    const stop = new AbortController();
    const started: number[] = [];
    await schedule({
      ready: [0, 1, 2],
      maxConcurrency: 1,
      stop: stop.signal,
      run: async (i) => {
        started.push(i);
        stop.abort();
        return [];
      },
      onUnexpected: () => {},
    });
    expect(started).toEqual([0]);
  });

  it("starts a not-yet-ready artifact at once through startNow, only within the concurrency", async () => {
    const started: number[] = [];
    const answers: boolean[] = [];
    let startNow: (i: number) => boolean = () => false;
    await schedule({
      ready: [0],
      maxConcurrency: 2,
      stop: new AbortController().signal,
      bind: (start) => {
        startNow = start;
      },
      run: async (i) => {
        started.push(i);
        if (i === 0) answers.push(startNow(1), startNow(2));
        await new Promise((r) => setImmediate(r));
        return [];
      },
      onUnexpected: () => {},
    });
    expect(started).toEqual([0, 1]);
    expect(answers).toEqual([true, false]);
  });

  it("hands an unexpected rejection to onUnexpected and goes on", async () => {
    const errors: unknown[] = [];
    await schedule({
      ready: [0],
      maxConcurrency: 1,
      stop: new AbortController().signal,
      run: async () => {
        throw new Error("bug");
      },
      onUnexpected: (e) => errors.push(e),
    });
    expect(errors).toHaveLength(1);
  });
});

describe("resume point", () => {
  it("keeps only completed artifacts whose stored bytes match the recorded digest", async () => {
    const store = createMemoryStore();
    const digest = await store.save("r1", "a", {
      id: "a",
      schema: { name: "x", version: "1" },
      content: [1],
      run_id: "r1",
      source: "s",
      timestamp: "2026-01-01T00:00:00.000Z",
      execution: {
        status: "completed",
        error: null,
        duration_ms: 1,
        origin: "source",
        alias: null,
      },
    });
    const book = new RunBook(plan().artifacts);
    const kept = await verifyCompleted(
      store,
      "r1",
      state({ completed: ["a", "b", "gone"], digests: { a: digest, b: "sha256:0", gone: digest } }),
      book.index,
    );
    expect(kept).toEqual(["a"]);
  });

  it("refuses a run whose runbook changed with ERR_RUNBOOK_CHANGED", async () => {
    const store = createMemoryStore();
    const before = makePlan([{ id: "a", component: "c" }], { text: "old" });
    await store.saveJson("r1", "_system/run", newRunMetadata("r1", "rb.yaml", before, new Date()));
    const now = makePlan([{ id: "a", component: "c" }], { text: "new" });
    await expect(readResumePoint(store, "r1", now, new Map())).rejects.toMatchObject({
      code: "ERR_RUNBOOK_CHANGED",
    });
  });
});

describe("progress tracker", () => {
  it("sends at most one event per interval and flushes the last one held back", () => {
    const events: RunEvent[] = [];
    let clock = 0;
    const tracker = createProgressTracker(
      "files",
      (e) => events.push(e),
      () => clock,
      250,
    );
    for (let i = 1; i <= 10; i++) {
      clock = i * 50;
      tracker.report({ items: i, unit: "files" });
    }
    tracker.flush();
    expect(events.map((e) => (e as { items: number }).items)).toEqual([1, 6, 10]);
  });

  it("uses what the engine counts only while the component reports nothing", () => {
    const events: RunEvent[] = [];
    let clock = 0;
    const tracker = createProgressTracker(
      "x",
      (e) => events.push(e),
      () => clock,
      0,
    );
    tracker.count(5, 100);
    clock = 1;
    tracker.report({ items: 1, unit: "rows" });
    clock = 2;
    tracker.count(6, 120);
    expect(events).toEqual([
      expect.objectContaining({ items: 5, bytes: 100, unit: "records" }),
      expect.objectContaining({ items: 1, unit: "rows" }),
    ]);
  });
});
