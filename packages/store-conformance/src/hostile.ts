import {
  MAX_KEY_LENGTH,
  MAX_KEY_SEGMENTS,
  MAX_RUN_ID_LENGTH,
  MAX_SEGMENT_LENGTH,
} from "@wct/store-core";

/** A key or run id every store must refuse, with why it is dangerous. */
export interface HostileInput {
  /** What makes it dangerous; also names the test. */
  label: string;
  value: string;
  /**
   * True when the input is nonetheless a valid `listKeys` prefix (`""`, `a/`), so the
   * prefix check is skipped for it.
   */
  validPrefix?: boolean;
}

const longSegmentKey = (segments: number, length: number) =>
  Array.from({ length: segments }, () => "a".repeat(length)).join("/");

/**
 * Keys that try to leave the run's space, smuggle bytes into a file name, or collide
 * with a backend's hidden files. Every method taking a key must refuse each one with
 * `ERR_INVALID_KEY` before touching the backend.
 */
export const HOSTILE_KEYS: readonly HostileInput[] = [
  { label: "empty key", value: "", validPrefix: true },
  { label: "parent segment", value: ".." },
  { label: "current segment", value: "." },
  { label: "parent segment in the middle", value: "a/../b" },
  { label: "parents climbing out", value: "a/b/../../.." },
  { label: "current segment in the middle", value: "a/./b" },
  { label: "leading current segment", value: "./a" },
  { label: "absolute path", value: "/abs" },
  { label: "absolute path to a system file", value: "/etc/passwd" },
  { label: "windows drive path", value: "C:\\x" },
  { label: "windows drive with forward slash", value: "C:/x" },
  { label: "backslash separator", value: "a\\b" },
  { label: "backslash parents", value: "..\\.." },
  { label: "UNC path", value: "\\\\server\\share" },
  { label: "NUL byte", value: "a\0b" },
  { label: "newline", value: "a\nb" },
  { label: "carriage return", value: "a\rb" },
  { label: "tab", value: "a\tb" },
  { label: "escape control character", value: "a\x1bb" },
  { label: "DEL control character", value: "a\x7fb" },
  { label: "C1 control character", value: "a\x85b" },
  { label: "empty segment", value: "a//b" },
  { label: "trailing slash", value: "a/", validPrefix: true },
  { label: "leading space", value: " a" },
  { label: "trailing space", value: "a " },
  { label: "inner space", value: "a b" },
  { label: "whitespace only", value: "   " },
  { label: "non-breaking space", value: "a\u00a0b" },
  { label: "zero-width space", value: "a\u200bb" },
  { label: "right-to-left override", value: "a\u202eb" },
  { label: "hidden file name", value: ".hidden" },
  { label: "hidden nested file name", value: "a/.hidden" },
  { label: "temporary-file look-alike", value: ".a.json.123.tmp" },
  { label: "percent-encoded parents", value: "%2e%2e" },
  { label: "percent-encoded slash", value: "a%2fb" },
  { label: "one-dot-leader look-alike dots", value: "\u2024\u2024" },
  { label: "fullwidth look-alike dots", value: "\uff0e\uff0e" },
  { label: "fullwidth solidus", value: "a\uff0fb" },
  { label: "home folder", value: "~/x" },
  { label: "URL scheme", value: "file:///etc/passwd" },
  { label: "alternate data stream", value: "a:b" },
  { label: "glob characters", value: "a*?" },
  { label: "shell metacharacters", value: "a;rm -rf" },
  { label: "over-long key", value: longSegmentKey(5, 120).slice(0, MAX_KEY_LENGTH + 1) },
  { label: "over-long segment", value: "a".repeat(MAX_SEGMENT_LENGTH + 1) },
  { label: "too many segments", value: longSegmentKey(MAX_KEY_SEGMENTS + 1, 1) },
];

/**
 * Run ids every store must refuse with `ERR_INVALID_RUN_ID`, on every method that takes
 * one.
 */
export const HOSTILE_RUN_IDS: readonly HostileInput[] = [
  { label: "empty run id", value: "" },
  { label: "parent folder", value: ".." },
  { label: "current folder", value: "." },
  { label: "slash", value: "a/b" },
  { label: "parent prefix", value: "../x" },
  { label: "absolute path", value: "/abs" },
  { label: "backslash", value: "a\\b" },
  { label: "windows drive path", value: "C:\\x" },
  { label: "NUL byte", value: "a\0b" },
  { label: "newline", value: "a\nb" },
  { label: "tab", value: "a\tb" },
  { label: "space", value: "a b" },
  { label: "whitespace only", value: " " },
  { label: "hidden folder name", value: ".hidden" },
  { label: "dot inside", value: "a.b" },
  { label: "leading dash", value: "-r" },
  { label: "leading underscore", value: "_r" },
  { label: "percent-encoded parents", value: "%2e%2e" },
  { label: "fullwidth look-alike dots", value: "\uff0e\uff0e" },
  { label: "zero-width space", value: "r\u200b" },
  { label: "over-long run id", value: "r".repeat(MAX_RUN_ID_LENGTH + 1) },
];
