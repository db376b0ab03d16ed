import { StoreError, StoreErrorCode } from "./errors.js";

/** Longest key accepted, in characters. */
export const MAX_KEY_LENGTH = 512;
/** Longest key segment accepted, in characters. */
export const MAX_SEGMENT_LENGTH = 128;
/** Most `/`-separated segments a key may have. */
export const MAX_KEY_SEGMENTS = 16;
/** Longest run id accepted, in characters. */
export const MAX_RUN_ID_LENGTH = 128;

// One segment: starts with a letter, digit or `_`, then a conservative set that is
// safe as a file name on every platform. No leading `.`, so a segment can never be
// `.`/`..` nor collide with a backend's hidden temporary files.
const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9_.=+@-]*$/;
const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

function reject(code: StoreErrorCode, what: string, value: string, why: string): never {
  throw new StoreError(
    code,
    `${what} ${JSON.stringify(value)} is not allowed: ${why}. Use letters, digits, "_", "-" (and "/" between key segments).`,
    code === StoreErrorCode.InvalidRunId ? { runId: value } : { key: value },
  );
}

/**
 * Checks a run id: 1–128 characters from `[A-Za-z0-9_-]`, starting with a letter or
 * digit. UUIDs pass. Throws `ERR_INVALID_RUN_ID` otherwise.
 */
export function validateRunId(runId: unknown): asserts runId is string {
  const code = StoreErrorCode.InvalidRunId;
  if (typeof runId !== "string") reject(code, "run id", String(runId), "it must be a string");
  if (runId.length === 0) reject(code, "run id", runId, "it is empty");
  if (runId.length > MAX_RUN_ID_LENGTH)
    reject(code, "run id", runId, `it is longer than ${MAX_RUN_ID_LENGTH} characters`);
  if (!RUN_ID.test(runId)) reject(code, "run id", runId, "it has characters outside [A-Za-z0-9_-]");
}

/**
 * Checks a store key: `/`-separated segments, each non-empty, at most 128 characters
 * from `[A-Za-z0-9_.=+@-]` and not starting with `.`; at most 16 segments and 512
 * characters in all. So no `..`, no absolute path, no backslash, no NUL or control
 * character, nothing that can leave the run's space. Throws `ERR_INVALID_KEY`.
 */
export function validateKey(key: unknown): asserts key is string {
  const code = StoreErrorCode.InvalidKey;
  if (typeof key !== "string") reject(code, "key", String(key), "it must be a string");
  if (key.length === 0) reject(code, "key", key, "it is empty");
  if (key.length > MAX_KEY_LENGTH)
    reject(code, "key", key, `it is longer than ${MAX_KEY_LENGTH} characters`);
  if (key.startsWith("/")) reject(code, "key", key, "it is an absolute path");
  const segments = key.split("/");
  if (segments.length > MAX_KEY_SEGMENTS)
    reject(code, "key", key, `it has more than ${MAX_KEY_SEGMENTS} segments`);
  for (const segment of segments) {
    if (segment.length === 0) reject(code, "key", key, "it has an empty segment");
    if (segment === "." || segment === "..")
      reject(code, "key", key, `it has a "${segment}" segment`);
    if (segment.length > MAX_SEGMENT_LENGTH)
      reject(code, "key", key, `a segment is longer than ${MAX_SEGMENT_LENGTH} characters`);
    if (!SEGMENT.test(segment))
      reject(
        code,
        "key",
        key,
        `segment ${JSON.stringify(segment)} has a character that is not allowed`,
      );
  }
}

/**
 * Checks a `listKeys` prefix: empty, or a key (optionally ending in `/`). Throws
 * `ERR_INVALID_KEY`.
 */
export function validatePrefix(prefix: unknown): asserts prefix is string {
  if (prefix === "") return;
  if (typeof prefix !== "string") validateKey(prefix);
  const trimmed = (prefix as string).endsWith("/") ? (prefix as string).slice(0, -1) : prefix;
  validateKey(trimmed);
}
