import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import type { Message } from "@wct/store-core";
import { describe, expect, it } from "vitest";
import { createFsStore } from "../src/index.js";
import { RUN, useTempDir } from "./temp-dir.js";

// A collectable heap makes the measure what is retained, not garbage awaiting a GC.
setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

// The smallest data at which a store holding the artifact whole fails the bound: a
// writer keeping its records' text until commit, or a reader materialising them before
// yielding, retained 43–46 MB here; this store retains 8–16 MB at any size (32 to 128 MB).
const TOTAL_BYTES = 32 * 1024 * 1024;
const RECORD_TEXT = 64 * 1024;
const BOUND_BYTES = 32 * 1024 * 1024;
// Samples often enough that a few hundred records give several samples per phase.
const SAMPLE_EVERY = 64;

function retained(): number {
  gc();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

// Varied text so the codec does real work; texts are reused, records are not.
const TEXTS = Array.from({ length: 16 }, (_, t) => {
  let text = "";
  for (let n = t + 1; text.length < RECORD_TEXT; n = (n * 48271) % 2147483647) {
    text += `user${n % 5000}@example.com paid ${n % 997}.${n % 89} EUR on invoice ${n}\n`;
  }
  return text.slice(0, RECORD_TEXT);
});

const envelope: Message & { content: null } = {
  id: "files",
  schema: { name: "file_content", version: "1.0.0" },
  content: null,
  run_id: RUN,
  source: "connector:filesystem",
  timestamp: "2026-01-01T00:00:00.000Z",
  execution: { status: "completed", error: null, duration_ms: 1, origin: "connector", alias: null },
};

describe("fs store streamed artifact memory", () => {
  const tmp = useTempDir("stream-memory");

  it("writing and reading 32 MB of records retains less than the data", async () => {
    const store = createFsStore({ baseDir: tmp.path });
    const count = Math.ceil(TOTAL_BYTES / RECORD_TEXT);
    const baseline = retained();
    let peak = 0;
    const writer = await store.openArtifactWriter(RUN, "files", envelope, {
      recordsField: "files",
    });
    for (let i = 0; i < count; i++) {
      await writer.write({ path: `dir/file_${i}.txt`, content: TEXTS[i % TEXTS.length] });
      if (i % SAMPLE_EVERY === 0) peak = Math.max(peak, retained() - baseline);
    }
    const commit = await writer.commit({ coverage: { files: count } });
    expect(commit.sourceBytes).toBeGreaterThan(TOTAL_BYTES);
    expect(commit.storedBytes).toBeLessThan(commit.sourceBytes / 2);

    const reader = await store.openArtifactReader(RUN, "files");
    let read = 0;
    for await (const _ of reader.records()) {
      if (read++ % SAMPLE_EVERY === 0) peak = Math.max(peak, retained() - baseline);
    }
    expect(read).toBe(count);
    expect(peak).toBeLessThan(BOUND_BYTES);
  }, 30_000);
});
