// @ts-check
// An example wct plugin in plain JavaScript: Node imports it as is, with no build and
// no dependency. A plugin is a plain object; @wct/plugin-api only adds types to it.

/**
 * @typedef {{ name: string, version: string }} SchemaRef
 * @typedef {{ path: ReadonlyArray<PropertyKey>, message: string }} PropertyIssue
 * @typedef {{ min_length: number }} WordCountProperties
 * @typedef {{ path: string, text: string }} FileEntry
 * @typedef {{ files: FileEntry[] }} FileContent
 * @typedef {{ path: string, words: number }} FileWordCount
 * @typedef {{ min_length: number, total_words: number, files: FileWordCount[] }} WordCount
 */

/** @type {SchemaRef} */
const FILE_CONTENT = { name: "file_content", version: "1.0.0" };
/** @type {SchemaRef} */
const WORD_COUNT = { name: "word_count", version: "1.0.0" };

const KNOWN_PROPERTIES = ["min_length"];

/**
 * Validates `process.properties`. wct takes any Standard Schema (standardschema.dev):
 * an object whose `~standard.validate` returns `{ value }` or `{ issues }`, so a few
 * lines replace a schema library.
 */
export const wordCountProperties = {
  "~standard": {
    /** @type {1} */
    version: 1,
    vendor: "word-count",
    /**
     * @param {unknown} value
     * @returns {{ value: WordCountProperties, issues?: undefined } | { issues: PropertyIssue[] }}
     */
    validate(value) {
      const input = value ?? {};
      if (typeof input !== "object" || Array.isArray(input)) {
        return { issues: [{ path: [], message: "expected a mapping" }] };
      }
      /** @type {PropertyIssue[]} */
      const issues = [];
      for (const key of Object.keys(input)) {
        if (!KNOWN_PROPERTIES.includes(key)) {
          issues.push({ path: [key], message: `unknown property (known: ${KNOWN_PROPERTIES})` });
        }
      }
      const minLength = /** @type {{ min_length?: unknown }} */ (input).min_length ?? 1;
      if (typeof minLength !== "number" || !Number.isInteger(minLength) || minLength < 1) {
        issues.push({ path: ["min_length"], message: "expected a whole number >= 1" });
      }
      if (issues.length > 0) return { issues };
      return { value: { min_length: /** @type {number} */ (minLength) } };
    },
  },
};

/**
 * Words of at least `minLength` letters or digits in `text`.
 * @param {string} text
 * @param {number} minLength
 */
export function countWords(text, minLength) {
  let count = 0;
  for (const [word] of text.matchAll(/[\p{L}\p{N}]+/gu)) {
    // Length in characters, not UTF-16 units: "Müller" has 6 letters.
    if ([...word].length >= minLength) count++;
  }
  return count;
}

export const wordCountProcessor = {
  type: "word_count",
  description: "Counts the words (of at least min_length characters) of each file, and in total.",
  inputSchemas: [[FILE_CONTENT]],
  outputSchema: WORD_COUNT,
  properties: wordCountProperties,
  /**
   * @param {{
   *   inputs: ReadonlyArray<{ id: string, schema: SchemaRef, content: unknown, source: string }>,
   *   properties: WordCountProperties,
   *   signal: AbortSignal,
   *   log: { info(message: string, fields?: Record<string, unknown>): void },
   *   artifactId?: string, runId?: string, baseDir?: string,
   * }} context
   * @returns {Promise<WordCount>}
   */
  async process({ inputs, properties, signal, log }) {
    /** @type {FileWordCount[]} */
    const files = [];
    let total = 0;
    for (const input of inputs) {
      for (const file of /** @type {FileContent} */ (input.content).files) {
        if (signal.aborted) throw signal.reason;
        const words = countWords(file.text, properties.min_length);
        files.push({ path: file.path, words });
        total += words;
      }
    }
    log.info(`counted ${total} words in ${files.length} files`, { total_words: total });
    return { min_length: properties.min_length, total_words: total, files };
  },
};

/**
 * Streamed content, as `streamContent` of @wct/plugin-api builds it: the brand is a
 * registered symbol, so a plugin without dependencies can make it too.
 * @template R
 * @param {{ recordsField: string, head?: Record<string, unknown>, records: AsyncIterable<R>,
 *   summary?: () => Record<string, unknown> | Promise<Record<string, unknown>> }} init
 */
export function streamContent(init) {
  return {
    [Symbol.for("wct.streamed-content")]: true,
    recordsField: init.recordsField,
    head: init.head ?? {},
    records: init.records,
    summary: init.summary ?? (() => ({})),
  };
}

/**
 * The same count for inputs of any size: it reads each input one file at a time
 * (`readsInputsAsRecords`) and streams one `{path, words}` record per file, so neither
 * the files nor the counts are ever held whole. Materialised, its output equals
 * `word_count`'s.
 */
export const wordCountStreamProcessor = {
  type: "word_count_stream",
  description: "word_count for large inputs: reads files one at a time and streams the counts.",
  readsInputsAsRecords: /** @type {const} */ (true),
  inputSchemas: [[FILE_CONTENT]],
  outputSchema: WORD_COUNT,
  properties: wordCountProperties,
  /**
   * @param {{
   *   inputs: ReadonlyArray<{ id: string, records(field?: string): AsyncIterable<unknown> }>,
   *   properties: WordCountProperties,
   *   signal: AbortSignal,
   *   log: { info(message: string, fields?: Record<string, unknown>): void },
   *   progress?: (report: { items: number, bytes?: number, unit?: string }) => void,
   * }} context
   */
  async process({ inputs, properties, signal, log, progress }) {
    let total = 0;
    let done = 0;
    async function* counts() {
      for (const input of inputs) {
        for await (const file of input.records("files")) {
          if (signal.aborted) throw signal.reason;
          const { path, text } = /** @type {FileEntry} */ (file);
          const words = countWords(text, properties.min_length);
          total += words;
          yield { path, words };
          progress?.({ items: ++done, unit: "files" });
        }
      }
    }
    return streamContent({
      recordsField: "files",
      head: { min_length: properties.min_length },
      records: counts(),
      summary: () => {
        log.info(`counted ${total} words in ${done} files`, { total_words: total });
        return { total_words: total };
      },
    });
  },
};

/** The plugin: wct imports this module and reads its default export. */
export default {
  name: "word-count",
  version: "0.1.0",
  processors: [wordCountProcessor, wordCountStreamProcessor],
};
