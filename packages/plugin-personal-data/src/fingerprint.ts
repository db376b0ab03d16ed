import { createHmac } from "node:crypto";

/** `hmac-sha256:<hex>` of a normalised value under `key`. */
export function fingerprintValue(key: string, normalized: string): string {
  return `hmac-sha256:${createHmac("sha256", key).update(normalized, "utf8").digest("hex")}`;
}
