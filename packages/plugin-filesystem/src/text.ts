import { isUtf8 } from "node:buffer";
import type { FilesystemProperties } from "./properties.js";

/** Encoding names accepted by the connector. */
export type TextEncoding = FilesystemProperties["encoding"];

/** How many leading bytes are searched for a NUL, as git and grep do. */
export const SNIFF_BYTES = 8192;

/**
 * Above this share of undecodable characters a file is taken for binary. Low enough
 * to catch binaries without NUL bytes, high enough that a Latin-1 file read as UTF-8
 * (a few `ü` per line) is still scanned: its personal data is what we are after.
 */
const MAX_INVALID_RATIO = 0.1;

const REPLACEMENT_CHARACTER = 0xfffd;
const BYTE_ORDER_MARK = 0xfeff;

/** True when the first bytes hold a NUL character in `encoding`. */
export function hasNulCharacter(head: Uint8Array, encoding: TextEncoding): boolean {
  if (encoding === "utf-16le") {
    // ASCII text in UTF-16LE is half zero bytes; only a whole zero code unit is a NUL.
    for (let i = 0; i + 1 < head.length; i += 2) {
      if (head[i] === 0 && head[i + 1] === 0) return true;
    }
    return false;
  }
  return head.includes(0);
}

/**
 * Decodes `bytes` (a leading byte-order mark is dropped). Returns `undefined` when too
 * much of it is not valid text in `encoding`, i.e. the file is binary.
 */
export function decodeText(bytes: Uint8Array, encoding: TextEncoding): string | undefined {
  if (encoding === "latin1") {
    // Every byte is a Latin-1 character, so only the NUL test can tell binary apart.
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");
  }
  if (encoding === "utf-8" && isUtf8(bytes)) {
    // The common case: valid UTF-8 has nothing to count, and Buffer's decoder is several
    // times faster than TextDecoder's on large files.
    const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8");
    return text.charCodeAt(0) === BYTE_ORDER_MARK ? text.slice(1) : text;
  }
  const text = new TextDecoder(encoding, { fatal: false }).decode(bytes);
  let invalid = 0;
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) === REPLACEMENT_CHARACTER) invalid++;
  }
  return invalid > 0 && invalid / text.length > MAX_INVALID_RATIO ? undefined : text;
}
