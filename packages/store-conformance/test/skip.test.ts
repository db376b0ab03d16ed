import type { ArtifactStore } from "@wct/store-core";
import { describe, expect, it } from "vitest";
import { type ConformanceRunner, runStoreConformance } from "../src/index.js";

// Records what the suite registers instead of running it.
function recordingRunner() {
  const tests: string[] = [];
  const skipped: string[] = [];
  const noop = () => {};
  const register = (name: string) => void tests.push(name);
  const runner = {
    describe: (_name: string, factory: () => void) => factory(),
    it: Object.assign(register, { skip: (name: string) => void skipped.push(name) }),
    expect,
    beforeEach: noop,
    afterEach: noop,
  } as unknown as ConformanceRunner;
  return { runner, tests, skipped };
}

const factory = () => ({}) as ArtifactStore;

describe("conformance suite options", () => {
  it("a skipped test is reported with its reason instead of run", () => {
    const { runner, tests, skipped } = recordingRunner();
    const name = "a 10 MB value round-trips";
    runStoreConformance({ name: "fake", factory, runner, skip: { [name]: "capped at 1 MB" } });
    expect(skipped).toEqual([`${name} — skipped: capped at 1 MB`]);
    expect(tests).not.toContain(name);
    expect(tests.length).toBeGreaterThan(100);
  });

  it("a skip without a reason is refused", () => {
    const { runner } = recordingRunner();
    expect(() =>
      runStoreConformance({
        name: "fake",
        factory,
        runner,
        skip: { "a 10 MB value round-trips": " " },
      }),
    ).toThrow(/must name its reason/);
  });
});
