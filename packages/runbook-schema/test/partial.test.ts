import { describe, expect, it } from "vitest";
import type { PartialRunbook } from "../src/index.js";
import { parse, withArtifacts } from "./helpers.js";

function partialOf(text: string, env: Record<string, string | undefined> = {}): PartialRunbook {
  const result = parse(text, env);
  if (result.ok) return expect.fail("expected an invalid runbook");
  if (result.partial === undefined) return expect.fail("expected a partial runbook");
  return result.partial;
}

function hasPartial(text: string): boolean {
  const result = parse(text);
  return !result.ok && result.partial !== undefined;
}

describe("partial runbook of an invalid document", () => {
  it("keeps the artifacts that validate on their own and lists the others", () => {
    const partial = partialOf(
      withArtifacts(`  rows:
    source: { type: fs, properties: { root: /data } }
  typo:
    inputs: rows
    outptu: true
  total:
    inputs: [rows, typo]
    process: { type: count }
  late:
    source: { type: fs, properties: { root: "\${UNSET}" } }
  bad__id:
    inputs: rows
`),
    );
    expect(Object.keys(partial.runbook.artifacts)).toEqual(["rows", "total"]);
    expect(partial.runbook.artifacts["total"]).toEqual({
      inputs: ["rows", "typo"],
      process: { type: "count", properties: {} },
      output: false,
      optional: false,
    });
    expect(partial.invalidArtifacts).toEqual(["typo", "late", "bad__id"]);
    expect(partial.invalidFields).toEqual(["artifacts"]);
  });

  it("keeps the inputs of an invalid artifact when they validate on their own", () => {
    const partial = partialOf(
      withArtifacts(`  rows:
    source: { type: fs, properties: { root: /data } }
  typo:
    inputs: numz
    proces: { type: count }
  listed:
    inputs: [rows, typo]
    merge: concatenate
    outptu: true
`),
    );
    expect(partial.invalidArtifacts).toEqual(["typo", "listed"]);
    expect(partial.invalidArtifactInputs).toEqual({ typo: ["numz"], listed: ["rows", "typo"] });
  });

  it("leaves out the inputs of an invalid artifact when they are invalid themselves", () => {
    const partial = partialOf(
      withArtifacts(`  rows:
    source: { type: fs, properties: { root: /data } }
  empty:
    inputs: []
    proces: { type: count }
  unset:
    inputs: "\${UNSET}"
`),
    );
    expect(partial.invalidArtifacts).toEqual(["empty", "unset"]);
    expect(partial.invalidArtifactInputs).toEqual({});
  });

  it("replaces invalid top-level fields by their defaults, field by field in config", () => {
    const partial = partialOf(`name: 3
description: defaults
config:
  max_concurrency: 0
  max_concurency: 4
  template_paths: [templates]
plugins: [./a.mjs, ""]
artifacts:
  rows: { source: { type: fs } }
`);
    expect(partial.runbook.name).toBe("");
    expect(partial.runbook.description).toBe("defaults");
    expect(partial.runbook.config).toEqual({
      max_concurrency: 10,
      max_child_depth: 3,
      template_paths: ["templates"],
    });
    expect(partial.runbook.plugins).toEqual(["./a.mjs"]);
    expect(Object.keys(partial.runbook.artifacts)).toEqual(["rows"]);
    expect([...partial.invalidFields].sort()).toEqual([
      "config",
      "config.max_concurrency",
      "name",
      "plugins",
    ]);
  });

  it("keeps every declared input name and only the valid outputs", () => {
    const partial = partialOf(`name: child
description: child with mistakes
inputs:
  rows: { input_shema: rows, optional: true }
  more: { input_schema: more/1.0.0 }
outputs:
  total: { artifact: total }
  broken: { artifact: 3 }
artifacts:
  total: { inputs: [rows, more], process: { type: count } }
`);
    expect(partial.runbook.inputs).toEqual({
      rows: { optional: true },
      more: { input_schema: { name: "more", version: "1.0.0" }, optional: false },
    });
    expect(partial.runbook.outputs).toEqual({ total: { artifact: "total" } });
    expect([...partial.invalidFields].sort()).toEqual(["inputs", "outputs"]);
  });

  it("treats an artifact written twice as invalid", () => {
    const partial = partialOf(
      withArtifacts(`  rows: { source: { type: fs } }
  rows: { source: { type: other } }
  more: { source: { type: fs } }
`),
    );
    expect(Object.keys(partial.runbook.artifacts)).toEqual(["more"]);
    expect(partial.invalidArtifacts).toEqual(["rows"]);
  });

  it("has no partial when the top level is not a mapping", () => {
    expect(hasPartial("- a\n- b\n")).toBe(false);
    expect(hasPartial("just text\n")).toBe(false);
  });

  it("has no partial for an empty file or broken YAML", () => {
    expect(hasPartial("# nothing\n")).toBe(false);
    expect(hasPartial("name: x\nartifacts: [\n")).toBe(false);
    expect(hasPartial("name: x\n---\nname: y\n")).toBe(false);
  });
});
