import { describe, expect, it } from "vitest";
import { diagnosticsOf, parseOk, summary, withArtifacts } from "./helpers.js";

const SRC = "  src:\n    source: {type: t}\n  other:\n    source: {type: t}\n";

function artifactProblems(body: string): string[] {
  return summary(diagnosticsOf(withArtifacts(SRC + body)));
}

describe("how an artifact is produced", () => {
  it("rejects source together with inputs", () => {
    expect(artifactProblems("  a:\n    source: {type: t}\n    inputs: src\n")).toEqual([
      "ERR_EXCLUSIVE_KEYS artifacts.a.inputs 10:5",
    ]);
  });

  it("rejects inputs together with reuse", () => {
    expect(
      artifactProblems("  a:\n    inputs: src\n    reuse: {from_run: r1, artifact: x}\n"),
    ).toEqual(["ERR_EXCLUSIVE_KEYS artifacts.a.reuse 10:5"]);
  });

  it("rejects source together with reuse", () => {
    expect(
      artifactProblems("  a:\n    reuse: {from_run: r1, artifact: x}\n    source: {type: t}\n"),
    ).toEqual(["ERR_EXCLUSIVE_KEYS artifacts.a.reuse 9:5"]);
  });

  it("requires one of source, inputs, reuse", () => {
    expect(artifactProblems("  a:\n    name: nothing\n")).toEqual([
      "ERR_MISSING_PRODUCER artifacts.a 8:3",
    ]);
  });

  it("rejects process without inputs", () => {
    expect(artifactProblems("  a:\n    source: {type: t}\n    process: {type: p}\n")).toEqual([
      "ERR_INVALID_COMBINATION artifacts.a.process 10:5",
    ]);
  });

  it("rejects child_runbook without inputs", () => {
    expect(
      artifactProblems(
        "  a:\n    reuse: {from_run: r, artifact: x}\n    child_runbook: {path: c.yaml}\n",
      ),
    ).toEqual(["ERR_INVALID_COMBINATION artifacts.a.child_runbook 10:5"]);
  });

  it("rejects child_runbook together with process", () => {
    expect(
      artifactProblems(
        "  a:\n    inputs: src\n    process: {type: p}\n    child_runbook: {path: c.yaml}\n",
      ),
    ).toEqual(["ERR_EXCLUSIVE_KEYS artifacts.a.child_runbook 11:5"]);
  });

  it("rejects merge with a single input", () => {
    expect(artifactProblems("  a:\n    inputs: src\n    merge: concatenate\n")).toEqual([
      "ERR_INVALID_COMBINATION artifacts.a.merge 10:5",
    ]);
  });

  it("rejects merge together with process", () => {
    expect(
      artifactProblems(
        "  a:\n    inputs: [src, other]\n    process: {type: p}\n    merge: concatenate\n",
      ),
    ).toEqual(["ERR_INVALID_COMBINATION artifacts.a.merge 11:5"]);
  });

  it("rejects merge together with child_runbook", () => {
    expect(
      artifactProblems(
        "  a:\n    inputs: [src, other]\n    child_runbook: {path: c.yaml}\n    merge: concatenate\n",
      ),
    ).toEqual(["ERR_INVALID_COMBINATION artifacts.a.merge 11:5"]);
  });

  it("requires merge for several inputs without a processor", () => {
    expect(artifactProblems("  a:\n    inputs: [src, other]\n")).toEqual([
      "ERR_INVALID_COMBINATION artifacts.a.inputs 9:5",
    ]);
  });

  it("accepts every valid way of producing an artifact", () => {
    const runbook = parseOk(
      withArtifacts(
        SRC +
          "  pass:\n    inputs: src\n" +
          "  merged:\n    inputs: [src, other]\n    merge: concatenate\n" +
          "  processed:\n    inputs: [src, other]\n    process: {type: p}\n" +
          "  child:\n    inputs: [src, other]\n    child_runbook: {path: child.yaml, input_mapping: {a: src, b: other}, output: out}\n" +
          "  reused:\n    reuse: {from_run: 20240101-abc, artifact: src}\n",
      ),
    );
    expect(Object.keys(runbook.artifacts)).toEqual([
      "src",
      "other",
      "pass",
      "merged",
      "processed",
      "child",
      "reused",
    ]);
  });

  it("rejects a child runbook path with a .. segment", () => {
    expect(
      artifactProblems("  a:\n    inputs: src\n    child_runbook: {path: ../up.yaml}\n"),
    ).toEqual(["ERR_INVALID_VALUE artifacts.a.child_runbook.path 10:27"]);
  });

  it("reports a problem in one artifact together with a rule broken in it", () => {
    expect(
      artifactProblems("  a:\n    inputs: src\n    source: {type: t}\n    bogus: 1\n"),
    ).toEqual([
      "ERR_EXCLUSIVE_KEYS artifacts.a.inputs 9:5",
      "ERR_UNKNOWN_KEY artifacts.a.bogus 11:5",
    ]);
  });
});

describe("artifact ids", () => {
  it.each(["a", "Findings", "a1", "with_underscore", "with-dash", "x_y-z9"])("accepts %s", (id) => {
    parseOk(withArtifacts(`  ${id}:\n    source: {type: t}\n`));
  });

  it.each(["_leading", "1digit", "-dash", "has.dot", "has/slash", "sp ace", "é"])(
    "rejects %s",
    (id) => {
      expect(summary(diagnosticsOf(withArtifacts(`  "${id}":\n    source: {type: t}\n`)))).toEqual([
        `ERR_INVALID_ID artifacts.${id} 4:3`,
      ]);
    },
  );

  it("rejects the reserved __ separator", () => {
    expect(summary(diagnosticsOf(withArtifacts("  a__b:\n    source: {type: t}\n")))).toEqual([
      "ERR_INVALID_ID artifacts.a__b 4:3",
    ]);
  });
});

describe("child runbooks", () => {
  const child = (inputs: string, artifacts: string, outputs = "") =>
    `name: child\ndescription: c\ninputs:\n${inputs}artifacts:\n${artifacts}${outputs}`;

  it("parses declared inputs and outputs with defaults", () => {
    const runbook = parseOk(
      child(
        "  files:\n    input_schema: file_list/1.2.0\n    description: files to scan\n  extra: {optional: true}\n",
        "  scan:\n    inputs: files\n    process: {type: p}\n",
        "outputs:\n  result:\n    artifact: scan\n",
      ),
    );
    expect(runbook.inputs).toEqual({
      files: {
        input_schema: { name: "file_list", version: "1.2.0" },
        description: "files to scan",
        optional: false,
      },
      extra: { optional: true },
    });
    expect(runbook.outputs).toEqual({ result: { artifact: "scan" } });
  });

  it("rejects source artifacts in a runbook with inputs", () => {
    expect(
      summary(diagnosticsOf(child("  files: {}\n", "  scan:\n    source: {type: t}\n"))),
    ).toEqual(["ERR_INVALID_COMBINATION artifacts.scan.source 7:5"]);
  });

  it("rejects an output naming an unknown artifact", () => {
    expect(
      summary(
        diagnosticsOf(
          child(
            "  files: {}\n",
            "  scan:\n    inputs: files\n",
            "outputs:\n  result: {artifact: nope}\n",
          ),
        ),
      ),
    ).toEqual(["ERR_INVALID_OUTPUT_REF outputs.result.artifact 9:22"]);
  });

  it("rejects an output without artifact", () => {
    expect(
      summary(
        diagnosticsOf(
          child(
            "  files: {}\n",
            "  scan:\n    inputs: files\n",
            "outputs:\n  result: {description: x}\n",
          ),
        ),
      ),
    ).toEqual(["ERR_MISSING_KEY outputs.result.artifact 9:3"]);
  });

  it("rejects an input named like an artifact", () => {
    expect(summary(diagnosticsOf(child("  scan: {}\n", "  scan:\n    inputs: scan\n")))).toEqual([
      "ERR_DUPLICATE_ID inputs.scan 4:3",
    ]);
  });

  it("rejects an invalid input name", () => {
    expect(
      summary(diagnosticsOf(child("  in__put: {}\n", "  scan:\n    inputs: in__put\n"))),
    ).toEqual(["ERR_INVALID_ID inputs.in__put 4:3"]);
  });

  it("rejects unknown keys in an input declaration", () => {
    const [diagnostic] = diagnosticsOf(
      child("  files: {input_shema: x}\n", "  scan:\n    inputs: files\n"),
    );
    expect(diagnostic).toMatchObject({
      code: "ERR_UNKNOWN_KEY",
      path: "inputs.files.input_shema",
      hint: 'did you mean "input_schema"?',
    });
  });
});
