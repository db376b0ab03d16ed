import { availableParallelism } from "node:os";
import { Transform, type TransformCallback } from "node:stream";
import { promisify } from "node:util";
import {
  constants,
  createBrotliCompress,
  createBrotliDecompress,
  createGunzip,
  gzip,
} from "node:zlib";

const gzipBlock = promisify(gzip);

/**
 * One stage of the byte pipeline between a streamed artifact's framed text and the
 * bytes a driver stores (compression today; encryption can join as another stage).
 * Stages apply in order on write and in reverse on read.
 */
export interface Codec {
  /** Short name for messages and docs (`gzip`). */
  readonly name: string;
  /**
   * The stage's name in the stored form (`gz`, `br`), lower-case letters and digits;
   * defaults to {@link Codec.name}. A stream's stages are stored with it (the fs store's
   * `files.jsonl.br`), so a reader picks its decoders by tag instead of guessing from the
   * bytes: brotli, for one, has no magic number to sniff.
   */
  readonly tag?: string;
  /** A fresh transform from plain bytes to encoded bytes. */
  encoder(): Transform;
  /** A fresh transform from encoded bytes back to plain bytes; it fails on damaged input. */
  decoder(): Transform;
}

/** Options of {@link gzipCodec}. */
export interface GzipCodecOptions {
  /**
   * zlib level 1–9. Default 1: on JSON text it already stores about a third of the
   * bytes, at several times the speed of the default level 6, so a scan is not slowed
   * by it.
   */
  level?: number;
  /** Bytes compressed as one gzip member. Default 1 MiB. */
  blockBytes?: number;
  /** Blocks compressed at once on the threadpool. Default: one less than the CPU count, 2 to 3. */
  parallel?: number;
}

// Larger than zlib's 16 KiB default: fewer, larger chunks reach the line splitter.
const CHUNK_SIZE = 64 * 1024;
const OUTPUT_CHUNK = 512 * 1024;

/**
 * Compresses its input as a sequence of independent gzip members of `blockBytes`,
 * up to `parallel` at once on libuv's threadpool, emitted in order. One deflate stream
 * runs on one thread at a time; independent blocks keep several cores busy, so
 * compression keeps up with the producer. The output is still one valid `.gz` stream
 * (gzip allows concatenated members; `zcat` and node's gunzip read them all).
 *
 * Input is copied into a few block buffers that are reused once their member is out:
 * a fresh buffer per block would cost the main thread page faults and garbage for
 * every MiB stored.
 */
class BlockGzip extends Transform {
  private readonly spare: Buffer[] = [];
  private block: Buffer | undefined;
  private filled = 0;
  private readonly inflight: Promise<Buffer>[] = [];
  private blocks = 0;

  constructor(
    private readonly level: number,
    private readonly blockBytes: number,
    private readonly parallel: number,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    const room = this.blockBytes - this.filled;
    if (chunk.length < room) {
      this.currentBlock().set(chunk, this.filled);
      this.filled += chunk.length;
      done();
      return;
    }
    this.fillBlocks(chunk).then(() => done(), done);
  }

  override _flush(done: TransformCallback): void {
    // An empty input still gives one (empty) member, so the output is valid gzip.
    if (this.filled > 0 || this.blocks === 0) this.startBlock();
    this.emitUntil(0).then(() => done(), done);
  }

  private currentBlock(): Buffer {
    this.block ??= this.spare.pop() ?? Buffer.allocUnsafeSlow(this.blockBytes);
    return this.block;
  }

  private async fillBlocks(chunk: Buffer): Promise<void> {
    let from = 0;
    while (from < chunk.length) {
      const take = Math.min(this.blockBytes - this.filled, chunk.length - from);
      this.currentBlock().set(chunk.subarray(from, from + take), this.filled);
      this.filled += take;
      from += take;
      if (this.filled === this.blockBytes) {
        this.startBlock();
        await this.emitUntil(this.parallel - 1);
      }
    }
  }

  private startBlock(): void {
    const buffer = this.currentBlock();
    const block = buffer.subarray(0, this.filled);
    this.block = undefined;
    this.filled = 0;
    this.blocks++;
    // An output buffer as large as the block: the whole member in one pass on the
    // threadpool, instead of a main-thread callback per 16 KiB of output.
    const compressed = gzipBlock(block, { level: this.level, chunkSize: OUTPUT_CHUNK }).then(
      (member) => {
        // The threadpool read the block in place: only now may it be refilled.
        this.spare.push(buffer);
        return member;
      },
    );
    // Awaited in order later; a failure of a later block must not be unhandled meanwhile.
    compressed.catch(() => {});
    this.inflight.push(compressed);
  }

  private async emitUntil(limit: number): Promise<void> {
    while (this.inflight.length > limit) {
      this.push(await (this.inflight.shift() as Promise<Buffer>));
    }
  }
}

/**
 * The gzip stage (node:zlib; the work runs on libuv's threadpool, off the main
 * thread). Its output is a plain `.gz` stream, so `zcat` reads a stored artifact.
 */
export function gzipCodec(options: GzipCodecOptions = {}): Codec {
  const level = options.level ?? 1;
  const blockBytes = options.blockBytes ?? 1024 * 1024;
  // libuv's threadpool has 4 threads by default and file reads and writes share it:
  // at most 3 blocks at once always leaves one for them.
  const parallel = options.parallel ?? Math.max(2, Math.min(3, availableParallelism() - 1));
  return {
    name: "gzip",
    tag: "gz",
    encoder: () => new BlockGzip(level, blockBytes, parallel),
    // The default finish flush makes a truncated member fail instead of ending quietly;
    // a cut between members is caught by the stream's trailer check.
    decoder: () => createGunzip({ chunkSize: CHUNK_SIZE }),
  };
}

/** Options of {@link brotliCodec}. */
export interface BrotliCodecOptions {
  /**
   * Brotli quality 0–11. Default 1: on the JSON lines of a text scan it stores 0.33× of
   * them (gzip level 1: 0.35×) for about half of gzip level 1's CPU. Quality 0 costs
   * about 0.2 CPU-s less per 100 MB but stores 18 % more (0.40×), and on database rows
   * twice as much (0.09× against 0.05×).
   */
  quality?: number;
}

const BROTLI_BLOCK = 1024 * 1024;

/**
 * One brotli stream fed in blocks of 1 MiB. Fed the framing's 64 KiB batches directly,
 * brotli answers each with a small piece of output: 16 times the chunks to hash and
 * write per MiB stored, which measured about 0.12 s more of the main thread per 100 MB
 * than gzip's 1 MiB members. Two block buffers take turns, so the next block fills while
 * the threadpool compresses the last one; a buffer is refilled only once brotli has
 * consumed it (its write callback).
 */
class BlockBrotli extends Transform {
  private readonly inner;
  private readonly buffers = [
    Buffer.allocUnsafeSlow(BROTLI_BLOCK),
    Buffer.allocUnsafeSlow(BROTLI_BLOCK),
  ];
  private current = 0;
  private filled = 0;
  // The write of the other buffer, until brotli has consumed it.
  private pending: Promise<void> = Promise.resolve();
  private failure: Error | undefined;

  constructor(quality: number) {
    super();
    this.inner = createBrotliCompress({
      // As large as a block's output: one output chunk per block.
      chunkSize: OUTPUT_CHUNK,
      params: { [constants.BROTLI_PARAM_QUALITY]: quality },
    });
    this.inner.on("data", (chunk: Buffer) => this.push(chunk));
    this.inner.on("error", (error: Error) => {
      this.failure ??= error;
      this.destroy(error);
    });
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    if (chunk.length < BROTLI_BLOCK - this.filled) {
      (this.buffers[this.current] as Buffer).set(chunk, this.filled);
      this.filled += chunk.length;
      done();
      return;
    }
    this.fill(chunk).then(() => done(), done);
  }

  override _flush(done: TransformCallback): void {
    (async () => {
      if (this.filled > 0) await this.send();
      await this.pending;
      await new Promise<void>((resolve, reject) => {
        this.inner.once("end", resolve);
        this.inner.once("error", reject);
        this.inner.end();
      });
    })().then(() => done(), done);
  }

  override _destroy(error: Error | null, done: (error: Error | null) => void): void {
    this.inner.destroy();
    done(error);
  }

  private async fill(chunk: Buffer): Promise<void> {
    let from = 0;
    while (from < chunk.length) {
      const take = Math.min(BROTLI_BLOCK - this.filled, chunk.length - from);
      (this.buffers[this.current] as Buffer).set(chunk.subarray(from, from + take), this.filled);
      this.filled += take;
      from += take;
      if (this.filled === BROTLI_BLOCK) await this.send();
    }
  }

  // Hands the current buffer to brotli and switches to the other, once that one is free.
  private async send(): Promise<void> {
    await this.pending;
    if (this.failure) throw this.failure;
    const block = (this.buffers[this.current] as Buffer).subarray(0, this.filled);
    this.pending = new Promise<void>((resolve, reject) => {
      this.inner.write(block, (error) => (error ? reject(error) : resolve()));
    });
    // Awaited before the buffer is used again; a failure meanwhile must not go unhandled.
    this.pending.catch(() => {});
    this.current = 1 - this.current;
    this.filled = 0;
  }
}

/**
 * The brotli stage (node:zlib; the work runs on libuv's threadpool, off the main
 * thread), the default stage of new streamed artifacts. Its output is one plain brotli
 * stream, so `brotli -d` reads a stored artifact. Unlike gzip it is not cut into
 * parallel members: one stream at quality 1 already compresses several times faster
 * than a scan produces text, and a single stream is what every brotli tool reads.
 */
export function brotliCodec(options: BrotliCodecOptions = {}): Codec {
  const quality = options.quality ?? 1;
  if (!Number.isInteger(quality) || quality < 0 || quality > 11) {
    throw new RangeError(`brotli quality must be an integer from 0 to 11, got ${quality}`);
  }
  return {
    name: "brotli",
    tag: "br",
    encoder: () => new BlockBrotli(quality),
    // A truncated stream fails at its end ("unexpected end of file") instead of ending quietly.
    decoder: () => createBrotliDecompress({ chunkSize: CHUNK_SIZE }),
  };
}

/** A codec's tag in the stored form: {@link Codec.tag}, else its name. */
export function codecTag(codec: Codec): string {
  return codec.tag ?? codec.name;
}

const TAG = /^[a-z0-9]+$/;

/**
 * The name of a chain of stages in the stored form: their tags in write order, joined
 * by `.` (`br`, `gz`, `br.aes`); `""` for no stage (plain JSON lines). Throws a
 * `RangeError` for a tag that is not lower-case letters and digits, or is `json`/`jsonl`
 * (which would make a stored name ambiguous).
 */
export function encodingOf(codecs: readonly Codec[]): string {
  return codecs
    .map((codec) => {
      const tag = codecTag(codec);
      if (!TAG.test(tag) || tag === "json" || tag === "jsonl") {
        throw new RangeError(
          `codec ${codec.name} has tag ${JSON.stringify(tag)}; a tag is lower-case letters and digits, not json or jsonl`,
        );
      }
      return tag;
    })
    .join(".");
}
