import type { Transform } from "node:stream";
import { createGunzip, createGzip } from "node:zlib";

/**
 * One stage of the byte pipeline between a streamed artifact's framed text and the
 * bytes a driver stores (compression today; encryption can join as another stage).
 * Stages apply in order on write and in reverse on read.
 */
export interface Codec {
  /** Short name for messages and docs (`gzip`). */
  readonly name: string;
  /** A fresh transform from plain bytes to encoded bytes. */
  encoder(): Transform;
  /** A fresh transform from encoded bytes back to plain bytes; it fails on damaged input. */
  decoder(): Transform;
}

/** Options of {@link gzipCodec}. */
export interface GzipCodecOptions {
  /**
   * zlib level 1–9. Default 1: on JSON text it already halves the bytes or better, at
   * several times the speed of the default level 6, so a scan is not slowed by it.
   */
  level?: number;
}

// Bigger than zlib's 16 KiB default: fewer, larger chunks reach the driver and the
// threadpool is entered less often.
const CHUNK_SIZE = 64 * 1024;

/**
 * The gzip stage (node:zlib; the work runs on libuv's threadpool, off the main
 * thread). Its output is a plain `.gz` stream, so `zcat` reads a stored artifact.
 */
export function gzipCodec(options: GzipCodecOptions = {}): Codec {
  const level = options.level ?? 1;
  return {
    name: "gzip",
    encoder: () => createGzip({ level, chunkSize: CHUNK_SIZE }),
    decoder: () =>
      // The default finish flush makes a truncated stream fail instead of ending quietly.
      createGunzip({ chunkSize: CHUNK_SIZE }),
  };
}
