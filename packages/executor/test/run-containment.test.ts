import { AsyncLocalStorage } from "node:async_hooks";
import { afterEach, describe, expect, it, vi } from "vitest";
import { runPlan } from "../src/index.js";
import { createHarness, createMemoryStore, makePlan } from "./fixtures/run/helpers.js";

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
