import {
  type ArtifactStore,
  type ArtifactWriter,
  type CreateStoreOptions,
  gzipCodec,
  type Message,
  StoreErrorCode,
  type StreamLayout,
} from "@wct/store-core";
import type { expect as vitestExpect } from "vitest";
import { conformanceMessage } from "./message.js";

/** What the streamed-artifact cases need from the suite that registers them. */
export interface StreamSuiteContext {
  test: (name: string, body: (store: ArtifactStore) => Promise<void>, timeoutMs?: number) => void;
  expect: typeof vitestExpect;
  expectCode: (call: () => Promise<unknown>, code: string, what: string) => Promise<void>;
  runId: string;
  slowTestMs: number;
  /** A second store over the data of the test's store, made with these options. */
  reopen: (options: CreateStoreOptions) => Promise<ArtifactStore>;
}

const LAYOUT: StreamLayout = { recordsField: "files", head: { root: "/data" } };

function envelope(runId: string, id = "files"): Message & { content: null } {
  return conformanceMessage(id, null, runId, { name: "file_content", version: "1.0.0" });
}

interface FileRecord {
  path: string;
  writer: number;
  content: string;
}

// Text that looks like what a scan reads: words, numbers, e-mail-like strings.
function fileRecord(i: number, writer = 0, size = 200): FileRecord {
  const words = ["alpha", "beta", "customer", "email", "invoice", "record", "name", "id"];
  let content = "";
  for (let n = i; content.length < size; n = (n * 1103515245 + 12345) % 2147483648) {
    content += `${words[n % words.length]} ${n % 9973} `;
  }
  return { path: `dir_${i % 17}/file_${i}.txt`, writer, content: content.slice(0, size) };
}

async function writeRecords(
  writer: ArtifactWriter,
  count: number,
  make: (i: number) => unknown = fileRecord,
) {
  for (let i = 0; i < count; i++) await writer.write(make(i));
}

async function collect(iterable: AsyncIterable<unknown>): Promise<unknown[]> {
  const items: unknown[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

async function text(pieces: AsyncIterable<string>): Promise<string> {
  let all = "";
  for await (const piece of pieces) all += piece;
  return all;
}

/** Registers the streamed-artifact cases (see `runStoreConformance`). */
export function registerStreamTests(context: StreamSuiteContext): void {
  const { test, expect, expectCode, runId: RUN, slowTestMs, reopen } = context;

  async function streamed(
    store: ArtifactStore,
    key: string,
    count: number,
    summary: Record<string, unknown> = { coverage: { files: count } },
  ) {
    const writer = await store.openArtifactWriter(RUN, key, envelope(RUN, key), LAYOUT);
    await writeRecords(writer, count);
    return writer.commit(summary);
  }

  test("a streamed artifact reads back its records in order, then its summary", async (store) => {
    await streamed(store, "files", 50);
    const reader = await store.openArtifactReader(RUN, "files");
    expect(reader.envelope).toEqual(envelope(RUN));
    expect(reader.layout).toEqual(LAYOUT);
    expect(await collect(reader.records())).toEqual(
      Array.from({ length: 50 }, (_, i) => fileRecord(i)),
    );
    expect(await reader.summary()).toEqual({ coverage: { files: 50 } });
    await reader.close();
  });

  test("a streamed artifact with no records reads back empty", async (store) => {
    await streamed(store, "files", 0);
    const got = await store.get(RUN, "files");
    expect(got.content).toEqual({ root: "/data", files: [], coverage: { files: 0 } });
  });

  test("get materialises a streamed artifact as head, records, summary", async (store) => {
    await streamed(store, "files", 10);
    const got = await store.get(RUN, "files");
    expect(got).toEqual({
      ...envelope(RUN),
      content: {
        root: "/data",
        files: Array.from({ length: 10 }, (_, i) => fileRecord(i)),
        coverage: { files: 10 },
      },
    });
    expect(Object.keys(got.content as object)).toEqual(["root", "files", "coverage"]);
  });

  test("messageText of a streamed artifact equals JSON.stringify of get", async (store) => {
    await streamed(store, "files", 300);
    expect(await text(store.messageText(RUN, "files"))).toBe(
      JSON.stringify(await store.get(RUN, "files")),
    );
  });

  test("messageText of a plain Message equals JSON.stringify of get", async (store) => {
    await store.save(RUN, "plain", { ...envelope(RUN, "plain"), content: { rows: [1, "two"] } });
    expect(await text(store.messageText(RUN, "plain"))).toBe(
      JSON.stringify(await store.get(RUN, "plain")),
    );
  });

  test("commit's execution is what get, messageText and a reader at the end show", async (store) => {
    const final = { ...envelope(RUN).execution, duration_ms: 4321 };
    const writer = await store.openArtifactWriter(RUN, "files", envelope(RUN), LAYOUT);
    await writeRecords(writer, 20);
    const commit = await writer.commit({ coverage: { files: 20 } }, { execution: final });
    expect(await store.digest(RUN, "files")).toBe(commit.digest);
    const got = await store.get(RUN, "files");
    expect(got.execution).toEqual(final);
    expect(got.content).toEqual({
      root: "/data",
      files: Array.from({ length: 20 }, (_, i) => fileRecord(i)),
      coverage: { files: 20 },
    });
    expect(await text(store.messageText(RUN, "files"))).toBe(JSON.stringify(got));
    const reader = await store.openArtifactReader(RUN, "files");
    // The writer's opening record until the end is read, the final one from then on.
    expect(reader.envelope.execution.duration_ms).toBe(3);
    await collect(reader.records());
    expect(reader.envelope.execution).toEqual(final);
    await reader.close();
  });

  test("a reader's summary() reaches the final execution without the records being read", async (store) => {
    const final = { ...envelope(RUN).execution, duration_ms: 99 };
    const writer = await store.openArtifactWriter(RUN, "files", envelope(RUN), LAYOUT);
    await writeRecords(writer, 5);
    await writer.commit({}, { execution: final });
    const reader = await store.openArtifactReader(RUN, "files");
    expect(await reader.summary()).toEqual({});
    expect(reader.envelope).toEqual({ ...envelope(RUN), execution: final });
    await reader.close();
  });

  test("an envelope with execution before content keeps messageText equal to get", async (store) => {
    const { execution, ...rest } = envelope(RUN);
    const early = { execution, ...rest } as Message & { content: null };
    const writer = await store.openArtifactWriter(RUN, "files", early, LAYOUT);
    await writeRecords(writer, 3);
    await writer.commit({}, { execution: { ...execution, duration_ms: 7 } });
    const got = await store.get(RUN, "files");
    expect(got.execution.duration_ms).toBe(7);
    expect(await text(store.messageText(RUN, "files"))).toBe(JSON.stringify(got));
  });

  test("commit refuses an execution that is not an execution record, and stays usable", async (store) => {
    const writer = await store.openArtifactWriter(RUN, "files", envelope(RUN), LAYOUT);
    await writer.write(1);
    const bad = { status: "done", duration_ms: -1 } as unknown as Message["execution"];
    await expectCode(
      () => writer.commit({}, { execution: bad }),
      StoreErrorCode.InvalidValue,
      "bad execution",
    );
    expect(await store.exists(RUN, "files")).toBe(false);
    await writer.commit({});
    expect((await store.get(RUN, "files")).execution).toEqual(envelope(RUN).execution);
  });

  test("commit resolves with the digest that digest() reads back", async (store) => {
    const commit = await streamed(store, "files", 100);
    expect(commit.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(await store.digest(RUN, "files")).toBe(commit.digest);
    expect(commit.records).toBe(100);
    const recordBytes = Array.from({ length: 100 }, (_, i) =>
      Buffer.byteLength(JSON.stringify(fileRecord(i))),
    ).reduce((a, b) => a + b, 0);
    expect(commit.sourceBytes).toBe(recordBytes);
  });

  test("size is the stored bytes of a streamed and of a plain artifact", async (store) => {
    const commit = await streamed(store, "files", 100);
    expect(await store.size(RUN, "files")).toBe(commit.storedBytes);
    const plain = { ...envelope(RUN, "plain"), content: { a: 1 } };
    await store.save(RUN, "plain", plain);
    expect(await store.size(RUN, "plain")).toBe(Buffer.byteLength(JSON.stringify(plain)));
    expect(await store.size(RUN, "missing")).toBeUndefined();
  });

  test("the writer counts records and source bytes as they are written", async (store) => {
    const writer = await store.openArtifactWriter(RUN, "files", envelope(RUN), LAYOUT);
    await writer.write({ a: "é" });
    expect(writer.records).toBe(1);
    expect(writer.sourceBytes).toBe(Buffer.byteLength(JSON.stringify({ a: "é" })));
    await writer.abort();
  });

  test("nothing counts as stored before commit", async (store) => {
    const writer = await store.openArtifactWriter(RUN, "files", envelope(RUN), LAYOUT);
    await writeRecords(writer, 2000);
    expect(await store.exists(RUN, "files")).toBe(false);
    expect(await store.listKeys(RUN)).toEqual([]);
    expect(await store.digest(RUN, "files")).toBeUndefined();
    await expectCode(() => store.get(RUN, "files"), StoreErrorCode.ArtifactNotFound, "get");
    await writer.commit();
    expect(await store.exists(RUN, "files")).toBe(true);
  });

  test("an aborted writer leaves nothing stored", async (store) => {
    const writer = await store.openArtifactWriter(RUN, "files", envelope(RUN), LAYOUT);
    await writeRecords(writer, 2000);
    await writer.abort();
    await writer.abort();
    expect(await store.exists(RUN, "files")).toBe(false);
    expect(await store.listKeys(RUN)).toEqual([]);
    expect(await store.listRuns()).toEqual([]);
    await expectCode(() => writer.write({}), StoreErrorCode.InvalidValue, "write after abort");
  });

  test("an aborted writer keeps the previous value of the key", async (store) => {
    const first = await streamed(store, "files", 20);
    const writer = await store.openArtifactWriter(RUN, "files", envelope(RUN), LAYOUT);
    await writeRecords(writer, 500, (i) => fileRecord(i, 1));
    await writer.abort();
    expect(await store.digest(RUN, "files")).toBe(first.digest);
    expect(((await store.get(RUN, "files")).content as { files: unknown[] }).files).toHaveLength(
      20,
    );
  });

  test("abort after commit keeps the committed artifact", async (store) => {
    const writer = await store.openArtifactWriter(RUN, "files", envelope(RUN), LAYOUT);
    await writeRecords(writer, 5);
    const commit = await writer.commit();
    await writer.abort();
    expect(await store.digest(RUN, "files")).toBe(commit.digest);
  });

  test("a record that is not JSON is refused and the writer stays usable", async (store) => {
    const writer = await store.openArtifactWriter(RUN, "files", envelope(RUN), LAYOUT);
    await writer.write({ ok: 1 });
    for (const [what, bad] of [
      ["undefined", undefined],
      ["a function", () => 1],
      ["NaN", { n: Number.NaN }],
      ["Infinity", [Number.POSITIVE_INFINITY]],
      ["a bigint", { n: 1n }],
    ] as const) {
      await expectCode(() => writer.write(bad), StoreErrorCode.InvalidValue, what);
    }
    await writer.write({ ok: 2 });
    const commit = await writer.commit();
    expect(commit.records).toBe(2);
    const content = (await store.get(RUN, "files")).content as { files: unknown[] };
    expect(content.files).toEqual([{ ok: 1 }, { ok: 2 }]);
  });

  test("a bad envelope, layout or summary is refused and stores nothing", async (store) => {
    const code = StoreErrorCode.InvalidValue;
    const withContent = { ...envelope(RUN), content: 1 } as unknown as Message & {
      content: null;
    };
    await expectCode(
      () => store.openArtifactWriter(RUN, "files", withContent, LAYOUT),
      code,
      "envelope with content",
    );
    const notMessage = { id: "x", content: null } as unknown as Message & { content: null };
    await expectCode(
      () => store.openArtifactWriter(RUN, "files", notMessage, LAYOUT),
      code,
      "not a Message",
    );
    await expectCode(
      () => store.openArtifactWriter(RUN, "files", envelope(RUN), { recordsField: "" }),
      code,
      "empty recordsField",
    );
    await expectCode(
      () =>
        store.openArtifactWriter(RUN, "files", envelope(RUN), {
          recordsField: "files",
          head: { files: 1 },
        }),
      code,
      "head holding the records field",
    );
    const writer = await store.openArtifactWriter(RUN, "files", envelope(RUN), LAYOUT);
    await writer.write(1);
    await expectCode(() => writer.commit({ root: "/other" }), code, "summary clashing with head");
    await writer.abort();
    expect(await store.listRuns()).toEqual([]);
  });

  test("concurrent writers of one key leave exactly one whole artifact", async (store) => {
    const writers = 6;
    const count = 400;
    const commits = await Promise.all(
      Array.from({ length: writers }, async (_, w) => {
        const writer = await store.openArtifactWriter(RUN, "files", envelope(RUN), LAYOUT);
        await writeRecords(writer, count, (i) => fileRecord(i, w));
        return writer.commit({ writer: w });
      }),
    );
    const got = (await store.get(RUN, "files")).content as {
      files: FileRecord[];
      writer: number;
    };
    expect(got.files).toHaveLength(count);
    expect(got.files.every((record) => record.writer === got.writer)).toBe(true);
    expect(await store.digest(RUN, "files")).toBe(commits[got.writer]?.digest);
    expect(await store.listKeys(RUN)).toEqual(["files"]);
  });

  test("a reader opened before a commit reads the earlier artifact whole", async (store) => {
    await streamed(store, "files", 3000);
    const reader = await store.openArtifactReader(RUN, "files");
    const iterator = reader.records()[Symbol.asyncIterator]();
    const firstRecord = await iterator.next();
    const writer = await store.openArtifactWriter(RUN, "files", envelope(RUN), LAYOUT);
    await writeRecords(writer, 10, (i) => fileRecord(i, 9));
    await writer.commit();
    const rest: unknown[] = [firstRecord.value];
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
      rest.push(next.value);
    }
    expect(rest).toHaveLength(3000);
    expect(rest.every((record) => (record as FileRecord).writer === 0)).toBe(true);
    await reader.close();
  });

  test("a streamed artifact replaces a plain value of the key and the other way round", async (store) => {
    await store.save(RUN, "files", { ...envelope(RUN), content: { old: true } });
    await streamed(store, "files", 3);
    expect(await store.listKeys(RUN)).toEqual(["files"]);
    expect(((await store.get(RUN, "files")).content as { files: unknown[] }).files).toHaveLength(3);
    const plain = { ...envelope(RUN), content: { again: true } };
    const digest = await store.save(RUN, "files", plain);
    expect(await store.get(RUN, "files")).toEqual(plain);
    expect(await store.digest(RUN, "files")).toBe(digest);
    expect(await store.listKeys(RUN)).toEqual(["files"]);
  });

  test("a streamed artifact is listed once, deleted and cleared like any key", async (store) => {
    await streamed(store, "nested/files", 3);
    await store.saveJson(RUN, "_system/run", { ok: true });
    expect(await store.listKeys(RUN)).toEqual(["_system/run", "nested/files"]);
    expect(await store.listKeys(RUN, "nested/")).toEqual(["nested/files"]);
    expect(await store.listRuns()).toEqual([RUN]);
    await store.delete(RUN, "nested/files");
    expect(await store.exists(RUN, "nested/files")).toBe(false);
    await expectCode(
      () => store.delete(RUN, "nested/files"),
      StoreErrorCode.ArtifactNotFound,
      "second delete",
    );
    await streamed(store, "files", 3);
    await store.clear(RUN);
    expect(await store.listRuns()).toEqual([]);
  });

  test("createJson of a key holding a streamed artifact creates nothing", async (store) => {
    const commit = await streamed(store, "files", 3);
    expect(await store.createJson(RUN, "files", { lock: true })).toBe(false);
    expect(await store.digest(RUN, "files")).toBe(commit.digest);
  });

  test("a plain Message reads through openArtifactReader as records and summary", async (store) => {
    await store.save(RUN, "plain", {
      ...envelope(RUN, "plain"),
      content: { root: "/r", files: [{ a: 1 }, { a: 2 }], coverage: { n: 2 } },
    });
    const reader = await store.openArtifactReader(RUN, "plain");
    expect(reader.layout).toBeUndefined();
    expect(reader.envelope.content).toBeNull();
    expect(await collect(reader.records("files"))).toEqual([{ a: 1 }, { a: 2 }]);
    expect(await reader.summary()).toEqual({ root: "/r", coverage: { n: 2 } });
    await reader.close();
  });

  test("reading a missing artifact fails with ERR_ARTIFACT_NOT_FOUND", async (store) => {
    const code = StoreErrorCode.ArtifactNotFound;
    await expectCode(() => store.openArtifactReader(RUN, "missing"), code, "openArtifactReader");
    await expectCode(() => text(store.messageText(RUN, "missing")), code, "messageText");
  });

  test(
    "an artifact far larger than any single chunk round-trips with its digest",
    async (store) => {
      // Over 3 MB of records: three times the 1 MB a writer may run ahead of its backend
      // and the 1 MB gzip block, fifty 64 KB batches; stored (about 0.75 MB), more than
      // one of the codec's 512 KB output chunks.
      const count = 3_000;
      const writer = await store.openArtifactWriter(RUN, "files", envelope(RUN), LAYOUT);
      await writeRecords(writer, count, (i) => fileRecord(i, 0, 1000));
      const commit = await writer.commit({ coverage: { files: count } });
      expect(commit.sourceBytes).toBeGreaterThan(3 * 1024 * 1024);
      expect(await store.digest(RUN, "files")).toBe(commit.digest);
      const reader = await store.openArtifactReader(RUN, "files");
      let n = 0;
      for await (const record of reader.records()) {
        if ((record as FileRecord).path !== fileRecord(n).path) break;
        n++;
      }
      expect(n).toBe(count);
      expect(await reader.summary()).toEqual({ coverage: { files: count } });
    },
    slowTestMs,
  );

  test("a stream written with the gzip stage reads back through a store that writes brotli", async (store) => {
    // What an upgrade meets: runs stored before brotli became the default.
    const older = await reopen({ codecs: [gzipCodec()] });
    const commit = await streamed(older, "files", 300);
    expect(await store.digest(RUN, "files")).toBe(commit.digest);
    expect(await store.size(RUN, "files")).toBe(commit.storedBytes);
    expect(await store.exists(RUN, "files")).toBe(true);
    expect(await store.listKeys(RUN)).toEqual(["files"]);
    const reader = await store.openArtifactReader(RUN, "files");
    const records = await collect(reader.records());
    expect(records).toHaveLength(300);
    expect(records[299]).toEqual(fileRecord(299));
    expect(await reader.summary()).toEqual({ coverage: { files: 300 } });
    const message = await store.get(RUN, "files");
    expect(await text(store.messageText(RUN, "files"))).toBe(JSON.stringify(message));
  });

  test("a gzip'd stream rewritten by a store that writes brotli holds only the new value", async (store) => {
    const older = await reopen({ codecs: [gzipCodec()] });
    await streamed(older, "files", 40);
    const commit = await streamed(store, "files", 7);
    expect(await store.digest(RUN, "files")).toBe(commit.digest);
    expect(await store.size(RUN, "files")).toBe(commit.storedBytes);
    expect(await store.listKeys(RUN)).toEqual(["files"]);
    expect(await collect((await store.openArtifactReader(RUN, "files")).records())).toHaveLength(7);
    // And the older store reads the newer stream too: the stream names its stage.
    expect(await collect((await older.openArtifactReader(RUN, "files")).records())).toHaveLength(7);
    await store.delete(RUN, "files");
    expect(await store.exists(RUN, "files")).toBe(false);
  });

  test("a plain save over a gzip'd stream replaces it", async (store) => {
    const older = await reopen({ codecs: [gzipCodec()] });
    await streamed(older, "files", 5);
    const message = { ...envelope(RUN), content: { root: "/r", files: [], coverage: {} } };
    await store.save(RUN, "files", message);
    expect(await store.get(RUN, "files")).toEqual(message);
    expect(await store.listKeys(RUN)).toEqual(["files"]);
  });
}
