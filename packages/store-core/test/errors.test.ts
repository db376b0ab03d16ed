import { describe, expect, it } from "vitest";
import {
  defineErrorCodes,
  errorProblem,
  StoreError,
  StoreErrorClass,
  StoreErrorCode,
} from "../src/index.js";

describe("defineErrorCodes", () => {
  it("maps each name to its code and each code to its class", () => {
    const { codes, classes } = defineErrorCodes({
      Missing: ["ERR_TEST_MISSING", "input"],
      Held: ["ERR_TEST_HELD", "conflict"],
    });
    expect(codes).toEqual({ Missing: "ERR_TEST_MISSING", Held: "ERR_TEST_HELD" });
    expect(classes).toEqual({ ERR_TEST_MISSING: "input", ERR_TEST_HELD: "conflict" });
  });

  it("gives every store error code a class", () => {
    expect(Object.keys(StoreErrorClass).sort()).toEqual(Object.values(StoreErrorCode).sort());
  });
});

describe("a store error's advice", () => {
  it("follows the problem in the message and is kept apart from it", () => {
    const error = new StoreError(StoreErrorCode.CorruptEntry, "x is corrupt", { hint: "Do y." });
    expect(error.problem).toBe("x is corrupt");
    expect(error.hint).toBe("Do y.");
    expect(error.message.startsWith(error.problem)).toBe(true);
    expect(error.message.endsWith(error.hint as string)).toBe(true);
  });

  it("is left out by errorProblem, which a wrapping error quotes", () => {
    const error = new StoreError(StoreErrorCode.CorruptEntry, "x is corrupt", { hint: "Do y." });
    expect(errorProblem(error)).toBe(error.problem);
    expect(errorProblem(error)).not.toContain(error.hint);
  });

  it("is absent from an error without one, whose problem is its whole message", () => {
    const error = new StoreError(StoreErrorCode.Backend, "the disk failed");
    expect(error.message).toBe("the disk failed");
    expect(errorProblem(error)).toBe(error.message);
    expect(errorProblem(new Error("plain"))).toBe("plain");
  });
});
