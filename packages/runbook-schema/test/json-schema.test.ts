import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ENV_PLACEHOLDER_PATTERN, runbookJsonSchema } from "../src/index.js";

const committedPath = new URL("../runbook.schema.json", import.meta.url);

type Json = { [key: string]: unknown };

const SCALAR_TYPES = ["number", "integer", "boolean"];

function isEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function walk(node: unknown, visit: (node: Json) => void): void {
  if (Array.isArray(node)) {
    for (const item of node) walk(item, visit);
  } else if (typeof node === "object" && node !== null) {
    visit(node as Json);
    for (const value of Object.values(node)) walk(value, visit);
  }
}

function at(schema: object, ...path: string[]): Json {
  let node: unknown = schema;
  for (const key of path) node = (node as Json)[key];
  return node as Json;
}

describe("runbook JSON Schema", () => {
  it("matches the committed runbook.schema.json", () => {
    const committed = readFileSync(committedPath, "utf8");
    const generated = `${JSON.stringify(runbookJsonSchema(), null, 2)}\n`;
    expect(
      committed === generated,
      "runbook.schema.json is out of date: run `pnpm --filter @wct/runbook-schema generate` and commit it",
    ).toBe(true);
  });

  it("has an id, a title and a draft", () => {
    expect(runbookJsonSchema()).toMatchObject({
      $schema: "https://json-schema.org/draft/2020-12/schema",
      $id: expect.any(String),
      title: expect.any(String),
    });
  });

  it("describes the fields for editors", () => {
    const artifact = at(runbookJsonSchema(), "properties", "artifacts", "additionalProperties");
    for (const key of ["source", "inputs", "process", "reuse", "output_schema", "timeout"]) {
      expect(at(artifact, "properties", key)["description"], key).toEqual(expect.any(String));
    }
  });

  it("forbids unknown keys", () => {
    const artifact = at(runbookJsonSchema(), "properties", "artifacts", "additionalProperties");
    expect(artifact["additionalProperties"]).toBe(false);
    expect(runbookJsonSchema()).toMatchObject({ additionalProperties: false });
  });

  it("accepts a placeholder wherever a number or boolean is expected", () => {
    const placeholder = { type: "string", pattern: ENV_PLACEHOLDER_PATTERN };
    const scalarNodes: Json[] = [];
    const placeholderSiblings = new Set<unknown>();
    walk(runbookJsonSchema(), (node) => {
      if (SCALAR_TYPES.includes(node["type"] as string)) scalarNodes.push(node);
      const anyOf = node["anyOf"];
      if (Array.isArray(anyOf) && anyOf.some((b) => isEqual(b, placeholder))) {
        for (const branch of anyOf) placeholderSiblings.add(branch);
      }
    });
    for (const node of scalarNodes) expect(placeholderSiblings.has(node)).toBe(true);
    // config: timeout, max_concurrency, max_child_depth; artifact: output, optional,
    // timeout; child input: optional.
    expect(scalarNodes).toHaveLength(7);
  });

  it("has a placeholder pattern that matches placeholders only", () => {
    const pattern = new RegExp(ENV_PLACEHOLDER_PATTERN);
    for (const ok of ["${N}", "${N:-4}", "${_x1:-}"]) expect(pattern.test(ok), ok).toBe(true);
    for (const bad of ["4", "${N}x", "$N", "${1N}", "${N:-4}}"]) {
      expect(pattern.test(bad), bad).toBe(false);
    }
  });

  it("states the artifact id rules as property name patterns", () => {
    const pattern = new RegExp(
      at(runbookJsonSchema(), "properties", "artifacts", "propertyNames")["pattern"] as string,
    );
    expect(pattern.test("findings-v2")).toBe(true);
    expect(pattern.test("a__b")).toBe(false);
    expect(pattern.test("_a")).toBe(false);
  });
});
