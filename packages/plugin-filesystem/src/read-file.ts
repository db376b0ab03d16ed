import { constants } from "node:fs";
import { lstat, open } from "node:fs/promises";
import { decodeText, hasNulCharacter, SNIFF_BYTES, type TextEncoding } from "./text.js";

// The path was lstat-ed as a regular file; should it be swapped for a link or a FIFO
// before it is opened, refuse the link and do not block on the FIFO.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

/** What reading one file gave. */
export type ReadOutcome =
  | { kind: "text"; text: string; size: number }
  | { kind: "binary"; size: number }
  | { kind: "too_large"; size: number }
  | { kind: "unreadable"; error: unknown };

/**
 * Reads one regular file as text. Files over `maxFileSize` are not opened; a binary
 * file is recognised from its first {@link SNIFF_BYTES} bytes and not read further.
 * The bytes are dropped once decoded, so only one file's bytes are held at a time.
 */
export async function readTextFile(
  path: string,
  maxFileSize: number,
  encoding: TextEncoding,
): Promise<ReadOutcome> {
  try {
    const listed = await lstat(path);
    if (listed.size > maxFileSize) return { kind: "too_large", size: listed.size };
    const handle = await open(path, OPEN_FLAGS);
    try {
      // What counts is the file actually opened.
      const opened = await handle.stat();
      if (!opened.isFile()) return { kind: "unreadable", error: new Error("not a regular file") };
      const { size } = opened;
      if (size > maxFileSize) return { kind: "too_large", size };
      const bytes = Buffer.allocUnsafe(size);
      let filled = await readInto(handle, bytes, 0, Math.min(SNIFF_BYTES, size));
      if (hasNulCharacter(bytes.subarray(0, filled), encoding)) return { kind: "binary", size };
      if (filled === Math.min(SNIFF_BYTES, size)) {
        filled += await readInto(handle, bytes, filled, size - filled);
      }
      const text = decodeText(bytes.subarray(0, filled), encoding);
      return text === undefined ? { kind: "binary", size } : { kind: "text", text, size: filled };
    } finally {
      await handle.close();
    }
  } catch (error) {
    return { kind: "unreadable", error };
  }
}

/** Reads up to `length` bytes at `offset`; fewer only when the file ends first. */
async function readInto(
  handle: Awaited<ReturnType<typeof open>>,
  buffer: Buffer,
  offset: number,
  length: number,
): Promise<number> {
  let total = 0;
  while (total < length) {
    const { bytesRead } = await handle.read(buffer, offset + total, length - total, offset + total);
    if (bytesRead === 0) break;
    total += bytesRead;
  }
  return total;
}
