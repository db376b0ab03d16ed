import type { Message } from "@wct/store-core";
import { describe, expect, it } from "vitest";
import { createMemoryStore } from "../src/index.js";

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
