import type { Message } from "@wct/store-core";
import { createStore } from "@wct/store-core";
import { describe, expect, it } from "vitest";
import { createMemoryDriver, createMemoryStore } from "../src/index.js";

const message = (content: unknown): Message => ({
  id: "a",
  schema: { name: "s", version: "1.0.0" },
  content,
  run_id: "r1",
  source: "connector:test",
  timestamp: "2026-01-01T00:00:00.000Z",
  execution: { status: "completed", error: null, duration_ms: 1, origin: "connector", alias: null },
});

describe("memory store copies", () => {
  it("mutating a message after save changes nothing stored", async () => {
    const store = createMemoryStore();
    const saved = message({ rows: [1, 2] });
    await store.save("r1", "a", saved);
    (saved.content as { rows: number[] }).rows.push(3);
    expect((await store.get("r1", "a")).content).toEqual({ rows: [1, 2] });
  });

  it("mutating a message after get changes nothing stored", async () => {
    const store = createMemoryStore();
    await store.save("r1", "a", message({ rows: [1] }));
    const got = await store.get("r1", "a");
    (got.content as { rows: number[] }).rows.push(9);
    expect((await store.get("r1", "a")).content).toEqual({ rows: [1] });
  });
});

describe("memory store scanRunsReading", () => {
  it("reads the key of every run holding it", async () => {
    const store = createMemoryStore();
    await store.saveJson("r1", "_system/run", { n: 1 });
    await store.saveJson("r2", "other", 2);
    const scan = await store.scanRunsReading("_system/run");
    expect(scan.runs).toEqual(["r1", "r2"]);
    expect(Object.fromEntries(scan.values)).toEqual({ r1: { value: { n: 1 }, size: 7 } });
  });

  it("gives no values, and the runs all the same, over a driver without the pass", async () => {
    const { listRunsReading: _, ...driver } = createMemoryDriver();
    const store = createStore(driver);
    await store.saveJson("r1", "_system/run", { n: 1 });
    await store.saveJson("r2", "_deleting", { deleting_since: "2026-01-01T00:00:00Z" });
    const scan = await store.scanRunsReading("_system/run");
    expect(scan).toEqual({ runs: ["r1", "r2"], deleting: ["r2"], values: new Map() });
  });
});
