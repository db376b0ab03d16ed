import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { buffer } from "node:stream/consumers";
import { pipeline } from "node:stream/promises";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { brotliCodec, gzipCodec } from "../src/index.js";

async function encode(input: Buffer[], options = {}): Promise<Buffer> {
  const encoder = gzipCodec(options).encoder();
  const out = buffer(encoder);
  await pipeline(Readable.from(input), encoder);
  return out;
}

async function decode(bytes: Buffer): Promise<Buffer> {
  const decoder = gzipCodec().decoder();
  const out = buffer(decoder);
  await pipeline(Readable.from([bytes]), decoder);
  return out;
}

describe("gzip codec stage", () => {
  it("blocks compressed in parallel come out in order and decode to the input", async () => {
    const chunks = Array.from({ length: 40 }, (_, i) =>
      Buffer.from(`${i}:${randomBytes(3000).toString("hex")}\n`),
    );
    const encoded = await encode(chunks, { blockBytes: 10_000, parallel: 4 });
    expect((await decode(encoded)).equals(Buffer.concat(chunks))).toBe(true);
  });

  it("its output is a gzip file that gunzip reads whole", async () => {
    const chunks = [Buffer.from("a".repeat(50_000)), Buffer.from("b".repeat(50_000))];
    const encoded = await encode(chunks, { blockBytes: 30_000 });
    expect(gunzipSync(encoded).toString()).toBe("a".repeat(50_000) + "b".repeat(50_000));
  });

  it("an empty input encodes to a valid empty gzip file", async () => {
    const encoded = await encode([]);
    expect(gunzipSync(encoded).length).toBe(0);
  });

  it("a truncated member fails to decode", async () => {
    const encoded = await encode([Buffer.from(randomBytes(100_000).toString("hex"))]);
    await expect(decode(encoded.subarray(0, encoded.length - 10))).rejects.toMatchObject({
      code: "Z_BUF_ERROR",
    });
  });
});

async function through(transform: NodeJS.ReadWriteStream, input: Buffer[]): Promise<Buffer> {
  const out = buffer(transform as NodeJS.ReadableStream);
  await pipeline(Readable.from(input), transform as NodeJS.WritableStream);
  return out;
}

describe("brotli codec stage", () => {
  it("its output is one brotli stream that decodes to the input", async () => {
    const chunks = Array.from({ length: 40 }, (_, i) =>
      Buffer.from(`${i}:${"text ".repeat(900)}\n`),
    );
    const encoded = await through(brotliCodec().encoder(), chunks);
    expect(brotliDecompressSync(encoded).equals(Buffer.concat(chunks))).toBe(true);
    expect((await through(brotliCodec().decoder(), [encoded])).equals(Buffer.concat(chunks))).toBe(
      true,
    );
  });

  it("an input of several 1 MiB blocks, in chunks of odd sizes, decodes to the input", async () => {
    const text = Buffer.from(
      Array.from({ length: 60_000 }, (_, i) => `{"n":${i},"mail":"p${i}@example.org"}\n`).join(""),
    );
    expect(text.length).toBeGreaterThan(2 * 1024 * 1024);
    const chunks: Buffer[] = [];
    for (let at = 0, size = 1; at < text.length; at += size, size = (size * 7 + 13) % 300_000) {
      chunks.push(text.subarray(at, at + size));
    }
    const encoded = await through(brotliCodec().encoder(), chunks);
    expect(brotliDecompressSync(encoded).equals(text)).toBe(true);
  });

  it("an empty input encodes to a valid empty brotli stream", async () => {
    expect(brotliDecompressSync(await through(brotliCodec().encoder(), [])).length).toBe(0);
  });

  it("a truncated stream fails to decode", async () => {
    const encoded = await through(brotliCodec().encoder(), [
      Buffer.from(randomBytes(100_000).toString("hex")),
    ]);
    await expect(
      through(brotliCodec().decoder(), [encoded.subarray(0, encoded.length - 10)]),
    ).rejects.toMatchObject({ code: "Z_BUF_ERROR" });
  });

  it("a quality outside 0 to 11 is refused", () => {
    expect(() => brotliCodec({ quality: 12 })).toThrow(RangeError);
  });
});
