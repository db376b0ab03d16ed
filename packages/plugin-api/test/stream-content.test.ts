import { describe, expect, it } from "vitest";
import { isStreamedContent, streamContent } from "../src/index.js";

describe("streamContent", () => {
  it("is recognised as streamed content, and plain values are not", () => {
    expect(isStreamedContent(streamContent({ recordsField: "rows", records: [] }))).toBe(true);
    expect(isStreamedContent({ recordsField: "rows", records: [] })).toBe(false);
    expect(isStreamedContent(null)).toBe(false);
  });

  it("is recognised when built by another copy of the package (a registered symbol brand)", () => {
    const foreign = {
      [Symbol.for("wct.streamed-content")]: true,
      recordsField: "rows",
      head: {},
      records: (async function* () {})(),
      summary: () => ({}),
    };
    expect(isStreamedContent(foreign)).toBe(true);
  });

  it("turns a synchronous iterable into async records and defaults head and summary", async () => {
    const content = streamContent({ recordsField: "rows", records: [1, 2, 3] });
    const seen: unknown[] = [];
    for await (const record of content.records) seen.push(record);
    expect(seen).toEqual([1, 2, 3]);
    expect(content.head).toEqual({});
    expect(await content.summary()).toEqual({});
  });
});
