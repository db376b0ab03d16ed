import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { propertyRuns } from "../../../test-utils/property-runs.js";
import { type ParseResult, parseRunbook } from "../src/index.js";

const VALID = `name: scan
description: fuzz base
config:
  timeout: \${T:-60}
  max_concurrency: 4
inputs:
  files: {input_schema: files/1.0.0}
outputs:
  out: {artifact: merged}
artifacts:
  a:
    inputs: files
    process:
      type: p
      properties: {deep: {list: [1, "\${X:-x}", {k: v}]}}
  b:
    reuse: {from_run: r1, artifact: a}
  merged:
    inputs: [a, b]
    merge: concatenate
    output_schema: m/2.0.0
    output: true
`;

const env = { X: "1", EMPTY: "" };
// Far above what one parse of these small documents takes; catches runaway work. CPU
// time, not wall time: other processes on a loaded machine do not count against it.
const BOUND_MS = 2_000;

function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

function checkedParse(text: string): ParseResult {
  const started = cpuMs();
  const result = parseRunbook(text, { file: "fuzz.yaml", env });
  expect(cpuMs() - started).toBeLessThan(BOUND_MS);
  expect(typeof result.locate).toBe("function");
  if (result.ok) {
    expect(result.diagnostics).toEqual([]);
  } else {
    expect(result.diagnostics.length).toBeGreaterThan(0);
    for (const d of result.diagnostics) {
      expect(d.code).toMatch(/^ERR_[A-Z_]+$/);
      expect(d.file).toBe("fuzz.yaml");
      expect(Number.isInteger(d.line) && d.line >= 0).toBe(true);
      expect(Number.isInteger(d.column) && d.column >= 0).toBe(true);
    }
    if (result.partial !== undefined) {
      const { runbook, invalidArtifacts } = result.partial;
      expect(typeof runbook.name).toBe("string");
      expect(Number.isInteger(runbook.config.max_concurrency)).toBe(true);
      expect(runbook.plugins.every((plugin) => typeof plugin === "string")).toBe(true);
      for (const id of invalidArtifacts) expect(Object.hasOwn(runbook.artifacts, id)).toBe(false);
    }
  }
  return result;
}

const yamlish = fc
  .array(
    fc.constantFrom(
      "name",
      "description",
      "artifacts",
      "inputs",
      "source",
      "type",
      "properties",
      ":",
      " ",
      "\n",
      "  ",
      "- ",
      "{",
      "}",
      "[",
      "]",
      ",",
      "&a",
      "*a",
      "!!str",
      "'",
      '"',
      "${X}",
      "${",
      "$${",
      "${Y:-2}",
      "#",
      "---",
      "? ",
      "|",
      ">",
      "\t",
      "__proto__",
      "1",
      "true",
    ),
    { maxLength: 60 },
  )
  .map((parts) => parts.join(""));

const mutation = fc.record({
  at: fc.nat(),
  remove: fc.nat({ max: 8 }),
  insert: fc.string({ maxLength: 8 }),
});

describe("parseRunbook on arbitrary input", () => {
  it("returns a result for arbitrary strings", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => void checkedParse(text)),
      propertyRuns(100),
    );
  });

  it("returns a result for YAML-ish token soup", () => {
    fc.assert(
      fc.property(yamlish, (text) => void checkedParse(text)),
      propertyRuns(150),
    );
  });

  it("returns a result for arbitrary structures dumped to YAML", () => {
    const structure = fc.oneof(
      fc.anything({ maxDepth: 4 }),
      fc.dictionary(
        fc.constantFrom(
          "name",
          "description",
          "config",
          "plugins",
          "inputs",
          "outputs",
          "artifacts",
          "x",
        ),
        fc.anything({ maxDepth: 3 }),
      ),
    );
    fc.assert(
      fc.property(structure, (value) => {
        let text: unknown;
        try {
          text = stringify(value);
        } catch {
          return; // not representable as YAML: nothing to parse
        }
        // `undefined` and functions stringify to nothing.
        if (typeof text === "string") checkedParse(text);
      }),
      propertyRuns(100),
    );
  });

  it("returns a result for mutations of a valid runbook", () => {
    expect(checkedParse(VALID).ok).toBe(true);
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (edits) => {
        let text = VALID;
        for (const edit of edits) {
          const at = edit.at % (text.length + 1);
          text = text.slice(0, at) + edit.insert + text.slice(at + edit.remove);
        }
        checkedParse(text);
      }),
      propertyRuns(200),
    );
  });

  it("survives alias bombs", () => {
    const bomb = [
      "a: &a [x, x, x, x, x, x, x, x, x, x]",
      ...Array.from({ length: 9 }, (_, i) => {
        const prev = String.fromCharCode(97 + i);
        const next = String.fromCharCode(98 + i);
        return `${next}: &${next} [*${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}]`;
      }),
    ].join("\n");
    const result = checkedParse(bomb);
    expect(result.ok).toBe(false);
  });

  it("rejects deeply nested documents without overflowing the stack", () => {
    for (const text of [
      "[".repeat(100_000),
      `${"- ".repeat(50_000)}x`,
      `a:\n  ${"{".repeat(20_000)}`,
    ]) {
      const result = checkedParse(text);
      expect(result.diagnostics.map((d) => d.code)).toEqual(["ERR_YAML_SYNTAX"]);
    }
  });
});
