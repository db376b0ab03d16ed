import { describe, expect, it } from "vitest";
import { StoreErrorCode, validateKey, validatePrefix, validateRunId } from "../src/index.js";

function codeOf(fn: () => void): string | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
}

describe("key rules", () => {
  it("accepts artifact ids, child ids and system keys", () => {
    for (const key of ["findings", "scan__findings", "_system/run", "a-b_c.d", "x@1+2=3"]) {
      expect(codeOf(() => validateKey(key))).toBeUndefined();
    }
  });

  it("rejects keys that could leave the run's space", () => {
    for (const key of ["", "/abs", "a/../b", "..", ".", "a//b", "a\\b", "a\0b", ".hidden", "a/"]) {
      expect(codeOf(() => validateKey(key))).toBe(StoreErrorCode.InvalidKey);
    }
  });

  it("accepts an empty prefix and a prefix ending in a slash", () => {
    expect(codeOf(() => validatePrefix(""))).toBeUndefined();
    expect(codeOf(() => validatePrefix("_system/"))).toBeUndefined();
  });

  it("rejects run ids with path characters", () => {
    for (const id of ["", "../x", "a/b", "a.b", "-lead", "x".repeat(129)]) {
      expect(codeOf(() => validateRunId(id))).toBe(StoreErrorCode.InvalidRunId);
    }
    expect(codeOf(() => validateRunId("0192f3a4-5b6c-7d8e-9f00-112233445566"))).toBeUndefined();
  });
});
