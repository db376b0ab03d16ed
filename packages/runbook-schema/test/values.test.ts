import { describe, expect, it } from "vitest";
import { diagnosticsOf, parseOk, summary, withArtifacts } from "./helpers.js";

const one = (artifact: string) => withArtifacts(`  a:\n${artifact}`);

describe("defaults", () => {
  it("fills config, plugins and artifact defaults", () => {
    const runbook = parseOk(one("    source: {type: t}\n"));
    expect(runbook.config).toEqual({ max_concurrency: 10, max_child_depth: 3, template_paths: [] });
    expect(runbook.plugins).toEqual([]);
    expect(runbook.artifacts["a"]).toEqual({
      source: { type: "t", properties: {} },
      output: false,
      optional: false,
    });
  });

  it("fills config defaults next to given values", () => {
    const runbook = parseOk(
      `name: x\ndescription: d\nconfig:\n  timeout: 1.5\n  template_paths: [templates]\nartifacts:\n  a:\n    source: {type: t}\n`,
    );
    expect(runbook.config).toEqual({
      timeout: 1.5,
      max_concurrency: 10,
      max_child_depth: 3,
      template_paths: ["templates"],
    });
  });
});

describe("config values", () => {
  const config = (body: string) =>
    `name: x\ndescription: d\nconfig:\n${body}artifacts:\n  a:\n    source: {type: t}\n`;

  it.each([
    ["  timeout: 0\n", "config.timeout"],
    ["  timeout: -3\n", "config.timeout"],
    ["  max_concurrency: 1.5\n", "config.max_concurrency"],
    ["  max_child_depth: -1\n", "config.max_child_depth"],
    ["  template_paths: templates\n", "config.template_paths"],
  ])("rejects %j", (body, path) => {
    expect(diagnosticsOf(config(body)).map((d) => `${d.code} ${d.path}`)).toEqual([
      `ERR_INVALID_VALUE ${path}`,
    ]);
  });

  it("accepts max_child_depth 0", () => {
    expect(parseOk(config("  max_child_depth: 0\n")).config.max_child_depth).toBe(0);
  });
});

describe("inputs", () => {
  it("normalises a single string to a list", () => {
    const runbook = parseOk(
      withArtifacts("  src:\n    source: {type: t}\n  a:\n    inputs: src\n"),
    );
    expect(runbook.artifacts["a"]?.inputs).toEqual(["src"]);
  });

  it("keeps a list in order", () => {
    const runbook = parseOk(
      withArtifacts(
        "  b:\n    source: {type: t}\n  a:\n    inputs:\n      - b\n      - c\n    process: {type: p}\n",
      ),
    );
    expect(runbook.artifacts["a"]?.inputs).toEqual(["b", "c"]);
  });

  it("rejects an empty list", () => {
    expect(summary(diagnosticsOf(one("    inputs: []\n")))).toEqual([
      "ERR_INVALID_VALUE artifacts.a.inputs 5:13",
    ]);
  });

  it("points at the bad element of a list", () => {
    expect(summary(diagnosticsOf(one("    inputs: [x, 3]\n    process: {type: p}\n")))).toEqual([
      "ERR_INVALID_VALUE artifacts.a.inputs.1 5:17",
    ]);
  });
});

describe("output_schema", () => {
  it("defaults the version to 1.0.0", () => {
    const runbook = parseOk(one("    source: {type: t}\n    output_schema: findings\n"));
    expect(runbook.artifacts["a"]?.output_schema).toEqual({ name: "findings", version: "1.0.0" });
  });

  it("splits name and version", () => {
    const runbook = parseOk(one("    source: {type: t}\n    output_schema: findings/2.10.3\n"));
    expect(runbook.artifacts["a"]?.output_schema).toEqual({ name: "findings", version: "2.10.3" });
  });

  it.each(["findings/1.0", "findings/v1.0.0", "findings/", "/1.0.0", "a/b/1.0.0", "'1x'"])(
    "rejects %s",
    (value) => {
      expect(
        summary(diagnosticsOf(one(`    source: {type: t}\n    output_schema: ${value}\n`))),
      ).toEqual(["ERR_INVALID_VALUE artifacts.a.output_schema 6:20"]);
    },
  );
});

describe("component references", () => {
  it("requires properties to be a mapping", () => {
    expect(summary(diagnosticsOf(one("    source: {type: t, properties: [1]}\n")))).toEqual([
      "ERR_INVALID_VALUE artifacts.a.source.properties 5:35",
    ]);
  });

  it("keeps properties as written, nested values included", () => {
    const runbook = parseOk(
      one(
        "    source:\n      type: t\n      properties:\n        include: ['*.ts']\n        deep: {n: 1, flag: true}\n",
      ),
    );
    expect(runbook.artifacts["a"]?.source?.properties).toEqual({
      include: ["*.ts"],
      deep: { n: 1, flag: true },
    });
  });

  it("requires a type", () => {
    expect(summary(diagnosticsOf(one("    source: {properties: {}}\n")))).toEqual([
      "ERR_MISSING_KEY artifacts.a.source.type 5:5",
    ]);
  });

  it("rejects a merge other than concatenate", () => {
    expect(
      summary(
        diagnosticsOf(
          withArtifacts("  b:\n    source: {type: t}\n  a:\n    inputs: [b, b]\n    merge: zip\n"),
        ),
      ),
    ).toEqual(["ERR_INVALID_VALUE artifacts.a.merge 8:12"]);
  });
});
