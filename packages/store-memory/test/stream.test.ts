import { Transform } from "node:stream";
import { brotliCodec, type Codec, createStore, gzipCodec, type Message } from "@wct/store-core";
import { describe, expect, it } from "vitest";
import { createMemoryDriver, createMemoryStore } from "../src/index.js";

const envelope = (): Message & { content: null } => ({
  id: "files",
  schema: { name: "file_content", version: "1.0.0" },
  content: null,
  run_id: "r1",
  source: "connector:test",
  timestamp: "2026-01-01T00:00:00.000Z",
  execution: { status: "completed", error: null, duration_ms: 1, origin: "connector", alias: null },
});

describe("memory store streamed artifacts", () => {
  it("a streamed artifact reads back as records, summary and a materialised Message", async () => {
    const store = createMemoryStore();
    const writer = await store.openArtifactWriter("r1", "files", envelope(), {
      recordsField: "files",
      head: { root: "/x" },
    });
    for (let i = 0; i < 1000; i++)
      await writer.write({ path: `f${i}`, text: "hello ".repeat(i % 50) });
    const commit = await writer.commit({ coverage: { files: 1000 } });
    expect(commit.records).toBe(1000);
    expect(await store.digest("r1", "files")).toBe(commit.digest);
    const reader = await store.openArtifactReader("r1", "files");
    expect(reader.layout?.recordsField).toBe("files");
    let n = 0;
    for await (const record of reader.records()) {
      expect((record as { path: string }).path).toBe(`f${n}`);
      n++;
    }
    expect(n).toBe(1000);
    expect(await reader.summary()).toEqual({ coverage: { files: 1000 } });
    const got = await store.get("r1", "files");
    expect(Object.keys(got.content as object)).toEqual(["root", "files", "coverage"]);
    let text = "";
    for await (const piece of store.messageText("r1", "files")) text += piece;
    expect(text).toBe(JSON.stringify(got));
    expect(await store.listKeys("r1")).toEqual(["files"]);
    expect(commit.storedBytes).toBeLessThan(commit.sourceBytes / 2);
  });
});

describe("memory store codec stages", () => {
  it("a further codec stage joins gzip and round-trips a streamed artifact", async () => {
    // A stand-in for an encryption stage: flips every byte, so its output is unreadable
    // without it.
    const flip = () =>
      new Transform({
        transform(chunk: Buffer, _encoding, done) {
          done(null, Buffer.from(chunk.map((byte) => byte ^ 0xa5)));
        },
      });
    const driver = createMemoryDriver();
    const store = createStore(driver, {
      codecs: [gzipCodec(), { name: "flip", encoder: flip, decoder: flip }],
    });
    const writer = await store.openArtifactWriter("r1", "files", envelope(), {
      recordsField: "files",
    });
    for (let i = 0; i < 100; i++) await writer.write({ i });
    const commit = await writer.commit();
    expect(await store.digest("r1", "files")).toBe(commit.digest);
    const content = (await store.get("r1", "files")).content as { files: unknown[] };
    expect(content.files).toHaveLength(100);
    const withoutFlip = createStore(driver);
    await expect(withoutFlip.get("r1", "files")).rejects.toMatchObject({
      code: "ERR_CORRUPT_ENTRY",
    });
  });
});

describe("memory store codec tags", () => {
  it("a codec stage whose tag is not lower-case letters and digits is refused", () => {
    const odd = {
      name: "Odd.Stage",
      encoder: () => new Transform(),
      decoder: () => new Transform(),
    };
    expect(() => createStore(createMemoryDriver(), { codecs: [odd] })).toThrow(
      expect.objectContaining({ code: "ERR_STORE_OPTIONS" }),
    );
  });

  it("a stream is stored with the tags of its stages and read back by them", async () => {
    const driver = createMemoryDriver();
    const store = createStore(driver, { codecs: [brotliCodec(), gzipCodec()] });
    const writer = await store.openArtifactWriter("r1", "files", envelope(), {
      recordsField: "files",
    });
    await writer.write({ i: 1 });
    await writer.commit();
    expect((await driver.readStream?.("r1", "files"))?.encoding).toBe("br.gz");
    expect(
      ((await createStore(driver).get("r1", "files")).content as { files: unknown[] }).files,
    ).toEqual([{ i: 1 }]);
  });
});

describe("memory store stream checksum", () => {
  async function storedBytes(codecs?: Codec[]) {
    const driver = createMemoryDriver();
    const store = createStore(driver, codecs === undefined ? {} : { codecs });
    const writer = await store.openArtifactWriter("r1", "files", envelope(), {
      recordsField: "files",
    });
    for (let i = 0; i < 500; i++) {
      await writer.write({ path: `dir/f${i}.txt`, text: `customer ${i} mail${i}@example.com\n` });
    }
    await writer.commit({ coverage: { files: 500 } });
    const form = await driver.readStream?.("r1", "files");
    const chunks: Uint8Array[] = [];
    for await (const chunk of form?.chunks ?? []) chunks.push(chunk);
    return { bytes: Buffer.concat(chunks), encoding: form?.encoding ?? "", store };
  }

  // The stored bytes rewritten through the driver in pieces of `size` bytes.
  async function storeWith(bytes: Uint8Array, encoding: string, size = bytes.length) {
    const driver = createMemoryDriver();
    const sink = await driver.openWrite?.("r1", "files", encoding);
    for (let at = 0; at < bytes.length; at += size)
      await sink?.write(bytes.subarray(at, at + size));
    await sink?.commit();
    return createStore(driver);
  }

  it("a stream read in chunks of any size passes its checksum", async () => {
    const { bytes, store } = await storedBytes([]);
    const whole = await store.get("r1", "files");
    for (const size of [1, 2, 7, 64, 4096]) {
      expect(await (await storeWith(bytes, "", size)).get("r1", "files")).toEqual(whole);
    }
  });

  it("text changed without breaking its lines fails the trailer's checksum", async () => {
    const { bytes } = await storedBytes([]);
    const text = bytes.toString("utf8").replace("mail7@", "mail8@");
    const store = await storeWith(Buffer.from(text, "utf8"), "");
    await expect(store.get("r1", "files")).rejects.toMatchObject({ code: "ERR_CORRUPT_ENTRY" });
  });

  it("no single flipped bit of a brotli stream reads back as other content", async () => {
    const { bytes, encoding } = await storedBytes();
    expect(encoding).toBe("br");
    const undetected: number[] = [];
    for (let trial = 0; trial < 120; trial++) {
      const damaged = Buffer.from(bytes);
      const at = Math.floor(((trial + 0.5) * damaged.length) / 120);
      damaged[at] = (damaged[at] as number) ^ (1 << (trial % 8));
      const read = await (await storeWith(damaged, encoding))
        .get("r1", "files")
        .then(() => true)
        .catch((error) => {
          expect(error).toMatchObject({ code: "ERR_CORRUPT_ENTRY" });
          return false;
        });
      if (read) undetected.push(at);
    }
    expect(undetected).toEqual([]);
  });
});
