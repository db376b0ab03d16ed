import { describe, expect, it } from "vitest";
import { DiagnosticCode, formatDiagnostic } from "../src/index.js";
import { diagnosticsOf, FILE, parse, parseOk, summary, withArtifacts } from "./helpers.js";

const VALID = `name: scan
description: Scan the repo for personal data
contact: team@example.com
config:
  timeout: 600
  max_concurrency: 4
plugins:
  - ./plugins/acme.js
artifacts:
  files:
    source:
      type: filesystem
      properties:
        root: ./src
        max_files: 100
  findings:
    inputs: files
    process:
      type: personal_data
    output_schema: findings/2.1.0
    output: true
`;

describe("parseRunbook", () => {
  it("accepts a valid runbook and returns the parsed shape", () => {
    const runbook = parseOk(VALID);
    expect(runbook.name).toBe("scan");
    expect(runbook.plugins).toEqual(["./plugins/acme.js"]);
    expect(runbook.artifacts["files"]?.source).toEqual({
      type: "filesystem",
      properties: { root: "./src", max_files: 100 },
    });
  });

  it("reports five different mistakes at once with their lines", () => {
    const text = `name: demo
description: five mistakes
config:
  max_concurency: 4
artifacts:
  a:
    source: {type: fs}
    inputs: b
  b:
    inputs: [a]
    process: {type: p}
    output: maybe
  bad.id:
    reuse: {from_run: r1, artifact: x}
  c:
    inputs: a
    timeout: \${MISSING_TIMEOUT}
`;
    expect(summary(diagnosticsOf(text))).toEqual([
      "ERR_UNKNOWN_KEY config.max_concurency 4:3",
      "ERR_EXCLUSIVE_KEYS artifacts.a.inputs 8:5",
      "ERR_INVALID_VALUE artifacts.b.output 12:13",
      "ERR_INVALID_ID artifacts.bad.id 13:3",
      "ERR_MISSING_ENV artifacts.c.timeout 17:14",
    ]);
  });

  it("suggests the closest key for an unknown key", () => {
    const [diagnostic, ...rest] = diagnosticsOf(
      withArtifacts("  a:\n    source: {type: fs}\n    outptu: true\n"),
    );
    expect(rest).toEqual([]);
    expect(diagnostic).toMatchObject({
      code: DiagnosticCode.UnknownKey,
      path: "artifacts.a.outptu",
      line: 6,
      column: 5,
      hint: 'did you mean "output"?',
    });
  });

  it("lists the allowed keys when no key is close", () => {
    const [diagnostic] = diagnosticsOf(
      withArtifacts("  a:\n    source: {type: fs, colour: red}\n"),
    );
    expect(diagnostic?.code).toBe(DiagnosticCode.UnknownKey);
    expect(diagnostic?.path).toBe("artifacts.a.source.colour");
    expect(diagnostic?.hint).toContain("properties");
  });

  it("reports a missing key at its parent mapping", () => {
    const diagnostics = diagnosticsOf(withArtifacts("  a:\n    reuse:\n      from_run: r1\n"));
    expect(summary(diagnostics)).toEqual(["ERR_MISSING_KEY artifacts.a.reuse.artifact 5:5"]);
  });

  it("reports missing top-level keys at the root", () => {
    const diagnostics = diagnosticsOf("name: x\n");
    expect(summary(diagnostics)).toEqual([
      "ERR_MISSING_KEY description 1:1",
      "ERR_MISSING_KEY artifacts 1:1",
    ]);
  });

  it("reports a wrong value at the value", () => {
    const diagnostics = diagnosticsOf(
      `name: x\ndescription: d\nconfig:\n  max_concurrency: 0\n${"artifacts:\n  a:\n    source: {type: t}\n"}`,
    );
    expect(summary(diagnostics)).toEqual(["ERR_INVALID_VALUE config.max_concurrency 4:20"]);
  });

  it("requires at least one artifact", () => {
    expect(summary(diagnosticsOf("name: x\ndescription: d\nartifacts: {}\n"))).toEqual([
      "ERR_INVALID_VALUE artifacts 3:12",
    ]);
  });

  it("rejects a top level that is not a mapping", () => {
    expect(summary(diagnosticsOf("- a\n- b\n"))).toEqual(["ERR_INVALID_VALUE  1:1"]);
  });

  it("rejects an empty file without a position", () => {
    expect(summary(diagnosticsOf(""))).toEqual(["ERR_EMPTY_RUNBOOK  0:0"]);
    expect(summary(diagnosticsOf("# only a comment\n"))).toEqual(["ERR_EMPTY_RUNBOOK  0:0"]);
  });

  it("reports a YAML syntax error at its position", () => {
    const diagnostics = diagnosticsOf(
      withArtifacts("  a:\n    source: {type: fs}\n    name: a: b\n"),
    );
    const syntax = diagnostics.filter((d) => d.code === DiagnosticCode.YamlSyntax);
    expect(syntax.length).toBeGreaterThan(0);
    expect(syntax[0]).toMatchObject({ line: 6, column: 11 });
  });

  it("reports a duplicate key at the second occurrence", () => {
    const diagnostics = diagnosticsOf(
      withArtifacts("  a:\n    source: {type: t}\n    name: one\n    name: two\n"),
    );
    expect(summary(diagnostics)).toEqual(["ERR_DUPLICATE_KEY  7:5"]);
  });

  it("reports each repeated key of flow and nested mappings, equal values only", () => {
    const diagnostics = diagnosticsOf(
      withArtifacts(
        "  a:\n    source: {type: t, type: u, properties: {1: x, '1': y, 1: z, .nan: p, .nan: q}}\n    name: one\n    name: two\n    name: three\n",
      ),
    );
    expect(summary(diagnostics)).toEqual([
      "ERR_DUPLICATE_KEY  5:23",
      "ERR_DUPLICATE_KEY  5:59",
      "ERR_DUPLICATE_KEY  7:5",
      "ERR_DUPLICATE_KEY  8:5",
    ]);
  });

  it("reports several YAML documents as a syntax error", () => {
    const text = withArtifacts("  a:\n    source: {type: t}\n---\nname: other\n");
    expect(diagnosticsOf(text).map((d) => d.code)).toContain(DiagnosticCode.YamlSyntax);
  });

  it("reports an alias to an unknown anchor", () => {
    const diagnostics = diagnosticsOf(withArtifacts("  a:\n    source: *nothing\n"));
    expect(summary(diagnostics)).toContain("ERR_YAML_SYNTAX artifacts.a.source 5:13");
  });

  it("expands aliases to anchors", () => {
    const runbook = parseOk(
      withArtifacts("  a:\n    source: &src {type: t}\n  b:\n    source: *src\n"),
    );
    expect(runbook.artifacts["b"]?.source).toEqual({ type: "t", properties: {} });
  });

  it("rejects a __proto__ key without touching prototypes", () => {
    const diagnostics = diagnosticsOf(
      withArtifacts(
        "  a:\n    source:\n      type: t\n      properties:\n        __proto__: {x: 1}\n",
      ),
    );
    expect(summary(diagnostics)).toEqual([
      "ERR_INVALID_KEY artifacts.a.source.properties.__proto__ 8:9",
    ]);
  });

  it("sorts diagnostics by line and column", () => {
    const diagnostics = diagnosticsOf(
      "artifacts:\n  _a:\n    source: {type: t}\n  b:\n    bogus: 1\nname: 3\n",
    );
    const positions = diagnostics.map((d) => d.line * 1000 + d.column);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    expect(diagnostics.every((d) => d.file === FILE)).toBe(true);
  });
});

describe("locate", () => {
  const result = parse(VALID);

  it("finds a top-level key", () => {
    expect(result.locate("config")).toEqual({ line: 4, column: 1 });
  });

  it("finds nested paths down to component properties", () => {
    expect(result.locate("artifacts.files.source.properties.max_files")).toEqual({
      line: 15,
      column: 9,
    });
    expect(result.locate("artifacts.findings.process.type")).toEqual({ line: 19, column: 7 });
  });

  it("finds list items by index", () => {
    expect(result.locate("plugins.0")).toEqual({ line: 8, column: 5 });
  });

  it("finds the root", () => {
    expect(result.locate("")).toEqual({ line: 1, column: 1 });
  });

  it("returns undefined for a path absent from the file", () => {
    expect(result.locate("artifacts.nope")).toBeUndefined();
    expect(result.locate("config.max_child_depth")).toBeUndefined();
  });

  it("works when the runbook is invalid", () => {
    const invalid = parse(withArtifacts("  a:\n    inptus: [x, y]\n"));
    expect(invalid.ok).toBe(false);
    expect(invalid.locate("artifacts.a.inptus.1")).toEqual({ line: 5, column: 17 });
  });
});

describe("formatDiagnostic", () => {
  it("renders file, position, message, code, path and hint", () => {
    expect(
      formatDiagnostic({
        code: "ERR_UNKNOWN_KEY",
        message: 'unknown key "inptus"',
        file: "rb.yaml",
        line: 3,
        column: 5,
        path: "artifacts.a.inptus",
        hint: 'did you mean "inputs"?',
      }),
    ).toBe(
      'rb.yaml:3:5: unknown key "inptus" [ERR_UNKNOWN_KEY] (at artifacts.a.inptus)\n  hint: did you mean "inputs"?',
    );
  });

  it("leaves out an unknown position", () => {
    expect(
      formatDiagnostic({
        code: "ERR_EMPTY_RUNBOOK",
        message: "empty",
        file: "rb.yaml",
        line: 0,
        column: 0,
        path: "",
      }),
    ).toBe("rb.yaml: empty [ERR_EMPTY_RUNBOOK]");
  });
});
