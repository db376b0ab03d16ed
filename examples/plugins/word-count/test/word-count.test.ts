import { isStreamedContent } from "@wct/plugin-api";
import { describe, expect, it } from "vitest";
import wordCountPlugin, {
  countWords,
  wordCountProcessor,
  wordCountProperties,
  wordCountStreamProcessor,
} from "../index.js";

const log = { debug() {}, info() {}, warn() {}, error() {} };
const validate = (value: unknown) => wordCountProperties["~standard"].validate(value);

/** Runs the processor as wct would: properties validated first, inputs as Messages. */
async function run(texts: Record<string, string>, properties: unknown = {}, signal?: AbortSignal) {
  const parsed = validate(properties);
  if (parsed.issues) throw new Error("invalid properties in test");
  const content = {
    root: ".",
    files: Object.entries(texts).map(([path, text]) => ({
      path,
      size: text.length,
      encoding: "utf-8",
      text,
    })),
    coverage: {},
  };
  return wordCountProcessor.process({
    inputs: [
      {
        id: "code",
        schema: { name: "file_content", version: "1.0.0" },
        content,
        source: "connector:filesystem",
      },
    ],
    properties: parsed.value,
    signal: signal ?? new AbortController().signal,
    log,
    artifactId: "words",
    runId: "run-1",
    baseDir: "/",
  });
}

describe("word-count plugin", () => {
  it("has the plugin shape with one processor from file_content to word_count", () => {
    expect(wordCountPlugin.name).toBe("word-count");
    expect(wordCountPlugin.processors).toEqual([wordCountProcessor, wordCountStreamProcessor]);
    expect(wordCountProcessor.inputSchemas).toEqual([[{ name: "file_content", version: "1.0.0" }]]);
    expect(wordCountProcessor.outputSchema).toEqual({ name: "word_count", version: "1.0.0" });
  });

  it("counts the words of each file and in total", async () => {
    const result = await run({ "a.txt": "one two three", "b.md": "# Title\n\nfour, five." });
    expect(result).toEqual({
      min_length: 1,
      total_words: 6,
      files: [
        { path: "a.txt", words: 3 },
        { path: "b.md", words: 3 },
      ],
    });
  });

  it("counts only words of at least min_length characters", async () => {
    const result = await run({ "a.txt": "a be sea Müller" }, { min_length: 3 });
    expect(result.total_words).toBe(2);
  });

  it("counts letters of any script as word characters", () => {
    expect(countWords("Zoë Ødegård 東京 42", 1)).toBe(4);
  });

  it("stops with the abort reason when aborted", async () => {
    const controller = new AbortController();
    const reason = new Error("stopped");
    controller.abort(reason);
    await expect(run({ "a.txt": "x" }, {}, controller.signal)).rejects.toBe(reason);
  });
});

describe("word-count properties", () => {
  it("defaults min_length to 1", () => {
    expect(validate({})).toEqual({ value: { min_length: 1 } });
    expect(validate(undefined)).toEqual({ value: { min_length: 1 } });
  });

  it("rejects a min_length that is not a whole number of at least 1", () => {
    for (const min_length of [0, 1.5, "3", -2]) {
      const result = validate({ min_length });
      expect(result.issues?.[0]?.path).toEqual(["min_length"]);
    }
  });

  it("rejects unknown properties, naming each", () => {
    const result = validate({ min_lenght: 3, colour: "red" });
    expect(result.issues?.map((i) => i.path)).toEqual([["min_lenght"], ["colour"]]);
  });

  it("rejects properties that are not a mapping", () => {
    expect(validate(["min_length"]).issues).toHaveLength(1);
  });
});

describe("word_count_stream", () => {
  const texts = { "a.txt": "one two three", "b.md": "# Title\n\nfour, five." };

  it("reads files as records and streams counts equal to word_count's", async () => {
    const pulled: string[] = [];
    const files = Object.entries(texts).map(([path, text]) => ({ path, text }));
    const out = await wordCountStreamProcessor.process({
      inputs: [
        {
          id: "code",
          async *records() {
            for (const file of files) {
              pulled.push(file.path);
              yield file;
            }
          },
        },
      ],
      properties: { min_length: 1 },
      signal: new AbortController().signal,
      log,
    });
    expect(isStreamedContent(out)).toBe(true);
    const iterator = out.records[Symbol.asyncIterator]();
    expect((await iterator.next()).value).toEqual({ path: "a.txt", words: 3 });
    // One file read per record: b.md is not read before its count is asked for.
    expect(pulled).toEqual(["a.txt"]);
    const rest = [];
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
      rest.push(next.value);
    }
    const materialised = {
      ...out.head,
      files: [{ path: "a.txt", words: 3 }, ...rest],
      ...(await out.summary()),
    };
    expect(materialised).toEqual(await run(texts));
  });
});
