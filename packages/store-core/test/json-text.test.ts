import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { propertyRuns } from "../../../test-utils/property-runs.js";
import { isJsonText } from "../src/json-text.js";

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

describe("isJsonText", () => {
  it("accepts every JSON text JSON.stringify produces", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => isJsonText(JSON.stringify(value))),
      propertyRuns(2000),
    );
  });

  it("agrees with JSON.parse on arbitrary and mutated texts", () => {
    const mutated = fc
      .tuple(fc.json(), fc.nat(), fc.constantFrom("", ",", "]", "}", '"', "\\", "1", " ", "\u0001"))
      .map(([text, at, insert]) => {
        const i = at % (text.length + 1);
        return text.slice(0, i) + insert + text.slice(i + 1);
      });
    fc.assert(
      // fast-check reports the shrunk text that disagrees.
      fc.property(
        fc.oneof(fc.string(), fc.json(), mutated),
        (text) => isJsonText(text) === parses(text),
      ),
      propertyRuns(5000),
    );
  });

  it("handles deep nesting without recursion", () => {
    const deep = `${"[".repeat(100_000)}${"]".repeat(100_000)}`;
    expect(isJsonText(deep)).toBe(true);
    expect(isJsonText(deep.slice(1))).toBe(false);
  });
});
