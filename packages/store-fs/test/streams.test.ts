import { execFileSync } from "node:child_process";
import { readdir, readFile, stat, symlink, truncate, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { brotliCompressSync, brotliDecompressSync } from "node:zlib";
import { createStore, gzipCodec, type Message, StoreErrorCode } from "@wct/store-core";
import { describe, expect, it } from "vitest";
import { completedMessage } from "../../../test-utils/messages.js";
import { createFsDriver, createFsStore } from "../src/index.js";
import { RUN, useTempDir } from "./temp-dir.js";

const LAYOUT = { recordsField: "files", head: { root: "/data" } };

function envelope(id = "files"): Message & { content: null } {
  return completedMessage({
    id,
    runId: RUN,
    content: null,
    schema: { name: "file_content", version: "1.0.0" },
    source: "connector:filesystem",
  });
}

const record = (i: number) => ({
  path: `f${i}.txt`,
  content: `line ${i} of some text\n`.repeat(5),
});

async function writeStream(store: ReturnType<typeof createFsStore>, count: number, key = "files") {
  const writer = await store.openArtifactWriter(RUN, key, envelope(key), LAYOUT);
  for (let i = 0; i < count; i++) await writer.write(record(i));
  return writer.commit({ coverage: { files: count } });
}

async function readAll(store: ReturnType<typeof createFsStore>, key = "files") {
  const reader = await store.openArtifactReader(RUN, key);
  const records: unknown[] = [];
  for await (const r of reader.records("files")) records.push(r);
  return { records, summary: await reader.summary() };
}

describe("fs store streamed artifacts on disk", () => {
  const tmp = useTempDir("streams");
  const runDir = () => join(tmp.path, "runs", RUN);

  it("a streamed artifact is one brotli file of JSON lines: header, records, trailer", async () => {
    const store = createFsStore({ baseDir: tmp.path });
    await writeStream(store, 3);
    expect(await readdir(runDir())).toEqual(["files.jsonl.br"]);
    const lines = brotliDecompressSync(await readFile(join(runDir(), "files.jsonl.br")))
      .toString("utf8")
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(lines).toHaveLength(5);
    expect(lines[0]).toEqual({
      format: "wct-stream/1",
      envelope: envelope(),
      layout: { records_field: "files", head: { root: "/data" } },
    });
    expect(lines.slice(1, 4)).toEqual([record(0), record(1), record(2)]);
    expect(lines[4]).toMatchObject({ format: "wct-stream/1", end: true, records: 3 });
    expect(lines[4].summary).toEqual({ coverage: { files: 3 } });
  });

  it("the trailer counts the source bytes of records still being framed when commit is called", async () => {
    const store = createFsStore({ baseDir: tmp.path });
    const writer = await store.openArtifactWriter(RUN, "files", envelope(), LAYOUT);
    // Large text goes to the framing thread; the writes are not awaited one by one.
    const big = Array.from({ length: 4 }, (_, i) => ({
      path: `b${i}.txt`,
      content: "x".repeat(64 * 1024),
    }));
    const written = big.map((r) => writer.write(r));
    const commit = writer.commit({});
    await Promise.all(written);
    const { sourceBytes } = await commit;
    const bytes = big.reduce((sum, r) => sum + Buffer.byteLength(JSON.stringify(r)), 0);
    expect(sourceBytes).toBe(bytes);
    const lines = brotliDecompressSync(await readFile(join(runDir(), "files.jsonl.br")))
      .toString("utf8")
      .trimEnd()
      .split("\n");
    expect(JSON.parse(lines.at(-1)!)).toMatchObject({ end: true, records: 4, source_bytes: bytes });
  });

  it("zcat reads an artifact stored with the gzip stage", async () => {
    const store = createStore(createFsDriver({ baseDir: tmp.path }), { codecs: [gzipCodec()] });
    await writeStream(store, 2);
    const text = execFileSync("gzip", ["-dc", join(runDir(), "files.jsonl.gz")], {
      encoding: "utf8",
    });
    expect(text.split("\n")[1]).toBe(JSON.stringify(record(0)));
  });

  it("a streamed artifact's file is created 0600", async () => {
    const store = createFsStore({ baseDir: tmp.path });
    await writeStream(store, 2);
    expect((await stat(join(runDir(), "files.jsonl.br"))).mode & 0o777).toBe(0o600);
  });

  it("a truncated compressed artifact fails with ERR_CORRUPT_ENTRY, never reads as complete", async () => {
    const store = createFsStore({ baseDir: tmp.path });
    await writeStream(store, 500);
    const file = join(runDir(), "files.jsonl.br");
    await truncate(file, Math.floor((await stat(file)).size / 2));
    await expect(readAll(store)).rejects.toMatchObject({ code: StoreErrorCode.CorruptEntry });
    await expect(store.get(RUN, "files")).rejects.toMatchObject({
      code: StoreErrorCode.CorruptEntry,
    });
  });

  it("an uncompressed artifact cut at a line boundary fails its trailer check", async () => {
    const store = createStore(createFsDriver({ baseDir: tmp.path }), { codecs: [] });
    await writeStream(store, 10);
    const file = join(runDir(), "files.jsonl");
    const lines = (await readFile(file, "utf8")).split("\n");
    expect(lines[0]?.startsWith("{")).toBe(true);
    await writeFile(file, `${lines.slice(0, 6).join("\n")}\n`);
    await expect(readAll(store)).rejects.toMatchObject({ code: StoreErrorCode.CorruptEntry });
  });

  // summary() passes over the records a caller did not read without parsing them when
  // the stream is compressed: the trailer's count and the text's checksum must still
  // catch what is wrong with them.
  it.each([
    ["cut at a line boundary", (lines: string[]) => [...lines.slice(0, 6), lines.at(-1)!]],
    [
      "with a record's text changed",
      (lines: string[]) => lines.map((l, i) => (i === 3 ? l.replace("line 2", "line 9") : l)),
    ],
    [
      "with a record that is no longer JSON",
      (lines: string[]) => lines.map((l, i) => (i === 3 ? l.slice(1) : l)),
    ],
  ])("a summary read past unread records fails an artifact %s", async (_, damage) => {
    const store = createFsStore({ baseDir: tmp.path });
    await writeStream(store, 10);
    const file = join(runDir(), "files.jsonl.br");
    const lines = brotliDecompressSync(await readFile(file))
      .toString("utf8")
      .trimEnd()
      .split("\n");
    const damaged = damage(lines);
    expect(damaged).not.toEqual(lines);
    await writeFile(file, brotliCompressSync(`${damaged.join("\n")}\n`));
    const reader = await store.openArtifactReader(RUN, "files");
    await expect(reader.summary()).rejects.toMatchObject({ code: StoreErrorCode.CorruptEntry });
    await reader.close();
  });

  it("a summary read past unread records of an uncompressed artifact parses them", async () => {
    const store = createStore(createFsDriver({ baseDir: tmp.path }), { codecs: [] });
    await writeStream(store, 10);
    const file = join(runDir(), "files.jsonl");
    const lines = (await readFile(file, "utf8")).trimEnd().split("\n");
    // An older stream: no checksum in its trailer, one record no longer JSON.
    const trailer = JSON.parse(lines.at(-1)!) as Record<string, unknown>;
    delete trailer["text_sha256"];
    const damaged = [
      ...lines.slice(0, 3),
      lines[3]!.slice(1),
      ...lines.slice(4, -1),
      JSON.stringify(trailer),
    ];
    await writeFile(file, `${damaged.join("\n")}\n`);
    const reader = await store.openArtifactReader(RUN, "files");
    await expect(reader.summary()).rejects.toMatchObject({ code: StoreErrorCode.CorruptEntry });
    await reader.close();
  });

  it("a compressed artifact cut between two gzip members fails its trailer check", async () => {
    const codecs = [gzipCodec({ blockBytes: 4096 })];
    const store = createStore(createFsDriver({ baseDir: tmp.path }), { codecs });
    await writeStream(store, 200);
    const file = join(runDir(), "files.jsonl.gz");
    const bytes = await readFile(file);
    const lastMember = bytes.lastIndexOf(Buffer.from([0x1f, 0x8b, 0x08]));
    expect(lastMember).toBeGreaterThan(0);
    await writeFile(file, bytes.subarray(0, lastMember));
    await expect(readAll(store)).rejects.toMatchObject({ code: StoreErrorCode.CorruptEntry });
  });

  it("a damaged byte in a compressed artifact fails with ERR_CORRUPT_ENTRY", async () => {
    const store = createFsStore({ baseDir: tmp.path });
    await writeStream(store, 500);
    const file = join(runDir(), "files.jsonl.br");
    const bytes = await readFile(file);
    const at = Math.floor(bytes.length / 2);
    bytes[at] = (bytes[at] as number) ^ 0xff;
    await writeFile(file, bytes);
    await expect(readAll(store)).rejects.toMatchObject({ code: StoreErrorCode.CorruptEntry });
  });

  it("a link planted at a streamed artifact's file is refused, not followed", async () => {
    const store = createFsStore({ baseDir: tmp.path });
    await writeStream(store, 2, "other");
    await symlink(join(runDir(), "other.jsonl.br"), join(runDir(), "files.jsonl.br"));
    await expect(store.openArtifactReader(RUN, "files")).rejects.toMatchObject({
      code: StoreErrorCode.UnsafePath,
    });
    await expect(store.size(RUN, "files")).rejects.toMatchObject({
      code: StoreErrorCode.UnsafePath,
    });
  });

  it("a plain {artifact}.json of an older run still reads through every read path", async () => {
    const store = createFsStore({ baseDir: tmp.path });
    const message = { ...envelope(), content: { root: "/r", files: [{ a: 1 }], coverage: {} } };
    await store.saveJson(RUN, "files", message);
    expect(await readdir(runDir())).toEqual(["files.json"]);
    expect(await store.get(RUN, "files")).toEqual(message);
    expect((await readAll(store)).records).toEqual([{ a: 1 }]);
  });

  it("a plain key named like a stream file stays distinct from the streamed key", async () => {
    const store = createFsStore({ baseDir: tmp.path });
    await writeStream(store, 2, "a");
    await store.saveJson(RUN, "a.jsonl.br", { plain: true });
    expect(await store.listKeys(RUN)).toEqual(["a", "a.jsonl.br"]);
    expect(await store.getJson(RUN, "a.jsonl.br")).toEqual({ plain: true });
    expect((await readAll(store, "a")).records).toHaveLength(2);
  });

  it("temporary files of a writer that is gone are removed by the next write of the key", async () => {
    const store = createFsStore({ baseDir: tmp.path });
    await writeStream(store, 1);
    // pid 2^22 + 1 is above Linux's pid_max default, so no process has it.
    const dead = join(runDir(), ".files.jsonl.br.4194305.deadbeef1.tmp");
    await writeFile(dead, "partial");
    const live = join(runDir(), `.files.jsonl.br.${process.ppid}.cafe1.tmp`);
    await writeFile(live, "partial");
    expect(await store.listKeys(RUN)).toEqual(["files"]);
    await writeStream(store, 1);
    const names = await readdir(runDir());
    expect(names).not.toContain(".files.jsonl.br.4194305.deadbeef1.tmp");
    expect(names).toContain(`.files.jsonl.br.${process.ppid}.cafe1.tmp`);
  });

  it("an artifact written with the gzip stage stays <key>.jsonl.gz and reads back by default", async () => {
    const gzip = createStore(createFsDriver({ baseDir: tmp.path }), { codecs: [gzipCodec()] });
    const commit = await writeStream(gzip, 30);
    expect(await readdir(runDir())).toEqual(["files.jsonl.gz"]);
    const store = createFsStore({ baseDir: tmp.path });
    expect((await readAll(store)).records).toEqual(Array.from({ length: 30 }, (_, i) => record(i)));
    expect(await store.digest(RUN, "files")).toBe(commit.digest);
  });

  it("a streamed artifact rewritten with another codec leaves only the new file", async () => {
    const gzip = createStore(createFsDriver({ baseDir: tmp.path }), { codecs: [gzipCodec()] });
    await writeStream(gzip, 3);
    await writeStream(createFsStore({ baseDir: tmp.path }), 2);
    expect(await readdir(runDir())).toEqual(["files.jsonl.br"]);
  });

  it("of two stream files of one key (a crash before the older was removed) the newest is read", async () => {
    const store = createFsStore({ baseDir: tmp.path });
    const gzip = createStore(createFsDriver({ baseDir: tmp.path }), { codecs: [gzipCodec()] });
    await writeStream(gzip, 3);
    const older = await readFile(join(runDir(), "files.jsonl.gz"));
    const newer = await writeStream(store, 2);
    await writeFile(join(runDir(), "files.jsonl.gz"), older);
    const past = new Date(Date.now() - 60_000);
    await utimes(join(runDir(), "files.jsonl.gz"), past, past);
    expect((await readAll(store)).records).toHaveLength(2);
    expect(await store.digest(RUN, "files")).toBe(newer.digest);
    expect(await store.size(RUN, "files")).toBe(newer.storedBytes);
    expect(await store.listKeys(RUN)).toEqual(["files"]);
    await store.delete(RUN, "files");
    expect(await readdir(runDir())).toEqual([]);
  });

  it("a plain save removes the stream files of every codec", async () => {
    const gzip = createStore(createFsDriver({ baseDir: tmp.path }), { codecs: [gzipCodec()] });
    await writeStream(gzip, 1);
    await writeFile(join(runDir(), "files.jsonl.br"), "stray");
    await createFsStore({ baseDir: tmp.path }).saveJson(RUN, "files", { plain: true });
    expect(await readdir(runDir())).toEqual(["files.json"]);
  });

  it("a codec stage the fs store cannot name in a file is refused before anything is written", async () => {
    const flip = {
      name: "flip",
      encoder: () => new PassThrough(),
      decoder: () => new PassThrough(),
    };
    const store = createStore(createFsDriver({ baseDir: tmp.path }), { codecs: [flip] });
    await expect(store.openArtifactWriter(RUN, "files", envelope(), LAYOUT)).rejects.toMatchObject({
      code: StoreErrorCode.InvalidOptions,
    });
    expect(await store.listKeys(RUN)).toEqual([]);
  });
});
