import { describe, expect, it } from "vitest";
import { z } from "zod";
import { allowedKeysAt } from "../src/index.js";

const schema = z.strictObject({
  path: z.string(),
  limits: z.strictObject({ max_files: z.number(), max_bytes: z.number() }).optional(),
  rules: z.array(z.strictObject({ name: z.string(), pattern: z.string() })).default([]),
});

describe("allowedKeysAt", () => {
  it("lists the keys of the object at the root", () => {
    expect(allowedKeysAt(schema, []).sort()).toEqual(["limits", "path", "rules"]);
  });

  it("looks through optional and default wrappers to the object inside", () => {
    expect(allowedKeysAt(schema, ["limits"]).sort()).toEqual(["max_bytes", "max_files"]);
  });

  it("reaches an array's element object through its index", () => {
    expect(allowedKeysAt(schema, ["rules", 0]).sort()).toEqual(["name", "pattern"]);
  });

  it("is empty where the path leads to no object", () => {
    expect(allowedKeysAt(schema, ["path"])).toEqual([]);
    expect(allowedKeysAt(schema, ["nothing"])).toEqual([]);
  });

  it("is empty for a schema that is not zod's", () => {
    const handWritten = {
      "~standard": { version: 1, vendor: "by-hand", validate: (value: unknown) => ({ value }) },
    };
    expect(allowedKeysAt(handWritten, [])).toEqual([]);
    expect(allowedKeysAt(undefined, ["a"])).toEqual([]);
  });
});
