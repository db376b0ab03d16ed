import { describe, expect, it } from "vitest";
import { frameElsewhere, OFFLOAD_CHARS, planFraming } from "../src/framing-thread.js";

// Every character JSON.stringify escapes, and some it does not (DEL, U+2028, non-ASCII).
const ESCAPES = `${Array.from({ length: 0x20 }, (_, c) => String.fromCharCode(c)).join("")}"\\/\u007f\u2028\u2029é€😀`;
const large = (seed: string) => seed.repeat(Math.ceil(OFFLOAD_CHARS / seed.length) + 1);

async function framed(record: unknown): Promise<string> {
  const framing = frameElsewhere(record);
  expect(framing).toBeDefined();
  return (await framing!.line).toString("utf8");
}

describe("framing thread", () => {
  it("frames a file record exactly as JSON.stringify does, newline included", async () => {
    const record = { path: "a/b.txt", size: 12, encoding: "utf-8", text: large(`x${ESCAPES}\n`) };
    expect(await framed(record)).toBe(`${JSON.stringify(record)}\n`);
  });

  it("frames nested objects, arrays, numbers and small strings in their JSON order", async () => {
    const record = {
      z: -0,
      a: [1.5, null, true, false, "é", { deep: [large("ab\n"), "tail"] }],
      n: 1e21,
      o: Object.assign(Object.create(null), { k: large("€\t") }),
    };
    expect(await framed(record)).toBe(`${JSON.stringify(record)}\n`);
  });

  it("keeps a large string with a lone surrogate escaped as JSON.stringify escapes it", async () => {
    const record = { text: large("a\ud800b"), other: large("c") };
    expect(await framed(record)).toBe(`${JSON.stringify(record)}\n`);
  });

  it("frames a record larger than the buffers it keeps for reuse", async () => {
    const record = { path: "big.log", text: 'line "quoted"\t\\ é\n'.repeat(300_000) };
    expect(await framed(record)).toBe(`${JSON.stringify(record)}\n`);
  });

  it("leaves small records to be framed in place", () => {
    expect(planFraming({ table: "t", rowid: 1, values: { name: "Ann" } })).toBeUndefined();
  });

  it("leaves records that are not plain JSON to the in-place checks", () => {
    const text = large("x");
    class File {
      constructor(readonly text: string) {}
    }
    expect(planFraming(new File(text))).toBeUndefined();
    expect(planFraming({ text, size: Number.NaN })).toBeUndefined();
    expect(planFraming({ text, gone: undefined })).toBeUndefined();
    expect(planFraming({ text, when: new Date(0) })).toBeUndefined();
    expect(planFraming({ text, big: 1n })).toBeUndefined();
  });

  it("frames records given one after another in the order they were given", async () => {
    const records = Array.from({ length: 20 }, (_, i) => ({ i, text: large(`${i}\n`) }));
    const lines = await Promise.all(records.map((record) => framed(record)));
    expect(lines).toEqual(records.map((record) => `${JSON.stringify(record)}\n`));
  });
});
