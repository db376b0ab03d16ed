import { isUtf8 } from "node:buffer";
import type { Diagnostic } from "@wct/runbook-schema";

/** Offset of the first byte that breaks UTF-8, or -1 when all of it is valid. */
function firstInvalidByte(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    const size =
      b < 0x80
        ? 1
        : b >= 0xc2 && b <= 0xdf
          ? 2
          : b >= 0xe0 && b <= 0xef
            ? 3
            : b >= 0xf0 && b <= 0xf4
              ? 4
              : 0;
    if (size === 0) return i;
    if (i + size > bytes.length) return i;
    for (let k = 1; k < size; k++) if ((bytes[i + k]! & 0xc0) !== 0x80) return i;
    if (size > 1 && !isUtf8(bytes.subarray(i, i + size))) return i; // overlongs, surrogates
    i += size;
  }
  return -1;
}

/**
 * The runbook's text, or a diagnostic at the first byte that is not UTF-8: decoding
 * such bytes leniently would turn them into U+FFFD, and the run would be stored with
 * names nobody wrote.
 */
export function decodeRunbook(
  bytes: Uint8Array,
  file: string,
): { text: string } | { diagnostic: Diagnostic } {
  if (isUtf8(bytes)) return { text: Buffer.from(bytes).toString("utf8") };
  const offset = Math.max(0, firstInvalidByte(bytes));
  const before = Buffer.from(bytes.subarray(0, offset)).toString("utf8");
  const lines = before.split("\n");
  return {
    diagnostic: {
      code: "ERR_YAML_SYNTAX",
      message: `the file is not valid UTF-8: byte ${offset} (0x${bytes[offset]?.toString(16).padStart(2, "0")}) does not start or continue a UTF-8 character`,
      file,
      line: lines.length,
      column: (lines.at(-1)?.length ?? 0) + 1,
      path: "",
      hint: "save the runbook as UTF-8",
    },
  };
}
