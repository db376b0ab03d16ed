import { describe, expect, it } from "vitest";
import { table } from "../src/format.js";

describe("table", () => {
  it("pads columns to their widest cell", () => {
    expect(
      table(
        ["A", "B"],
        [
          ["xx", "1"],
          ["y", "2"],
        ],
      ),
    ).toBe("A   B\nxx  1\ny   2\n");
  });

  it("a very long cell overflows its own row without widening the others", () => {
    const long = "x".repeat(10_000);
    const lines = table(
      ["ID", "WHAT", "FLAGS"],
      [
        ["a", long, "output"],
        ["b", "short", ""],
      ],
    ).split("\n");
    expect(lines[1]?.length).toBeGreaterThan(10_000);
    expect(lines[2]?.length).toBeLessThan(60);
  });
});
