import { mkdir, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Runbook } from "@wct/runbook-schema";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ExecutorErrorCode } from "../src/errors.js";
import { assemblePlan } from "../src/plan/assemble.js";
import { PlanDiagnosticCode } from "../src/plan/codes.js";
import { planRunbook } from "../src/plan/plan-runbook.js";
import { makeTempDir, rejection, testPlugins, writeFiles, yaml } from "./fixtures/plan/helpers.js";
import { memoryRunbook, VIRTUAL_DIR } from "./fixtures/plan/memory.js";

// Inlining is tested through assemblePlan with the runbooks in memory; links, template
// paths, unreadable files and plugins go through the load step on disk (at the end).
const dir = VIRTUAL_DIR;

/** A child runbook counting its one input `rows`. */
const counter = yaml`
  name: counter
  description: counts rows
  inputs:
    rows: { input_schema: rows }
  outputs:
    total: { artifact: total }
  artifacts:
    copy:
      inputs: rows
    total:
      inputs: copy
      process: { type: count }
`;

/** A root runbook whose `counted` artifact includes `path` (line 9); `extra` is line 3. */
const parent = (path: string, extra = "") => yaml`
  name: parent
  description: includes a child
  ${extra}
  artifacts:
    data:
      source: { type: test_source, properties: { root: /data } }
    counted:
      inputs: data
      child_runbook: { path: ${JSON.stringify(path)} }
`;

function plan(files: Record<string, string>, root = "runbook.yaml") {
  return assemblePlan(memoryRunbook(files, { root }));
}

async function diagnosticsOf(files: Record<string, string>, root = "runbook.yaml") {
  const error = await rejection(plan(files, root));
  expect(error.code).toBe(ExecutorErrorCode.RunbookInvalid);
  return error.diagnostics;
}

describe("child runbooks", () => {
  it("inlines a child with deterministic ids and makes the directive a pass-through", async () => {
    const { plan: result } = await plan({
      "runbook.yaml": parent("sub/counter.yaml"),
      "sub/counter.yaml": counter,
    });
    expect(result.artifacts.map((a) => [a.id, a.kind, a.inputs])).toEqual([
      ["data", "source", []],
      ["counted__copy", "passthrough", ["data"]],
      ["counted__total", "process", ["counted__copy"]],
      ["counted", "passthrough", ["counted__total"]],
    ]);
    const byId = Object.fromEntries(result.artifacts.map((a) => [a.id, a]));
    expect(byId.counted__total).toMatchObject({
      origin: { file: "sub/counter.yaml", artifact: "total" },
      baseDir: join(dir, "sub"),
      schema: { name: "count", version: "1.0.0" },
    });
    expect(byId.counted).toMatchObject({
      origin: { file: "runbook.yaml", artifact: "counted" },
      baseDir: dir,
      schema: { name: "count", version: "1.0.0" },
    });
    expect(result.depth).toBe(1);
    expect(result.files.map((f) => f.path)).toEqual(["runbook.yaml", "sub/counter.yaml"]);
  });

  it("nests ids by repetition", async () => {
    const middle = yaml`
      name: middle
      description: wraps the counter
      inputs:
        rows: {}
      outputs:
        out: { artifact: inner }
      artifacts:
        inner:
          inputs: rows
          child_runbook: { path: counter.yaml }
    `;
    const { plan: result } = await plan({
      "runbook.yaml": parent("sub/middle.yaml"),
      "sub/middle.yaml": middle,
      "sub/counter.yaml": counter,
    });
    expect(result.artifacts.map((a) => a.id)).toEqual([
      "data",
      "counted__inner__copy",
      "counted__inner__total",
      "counted__inner",
      "counted",
    ]);
    expect(result.artifacts[1]?.inputs).toEqual(["data"]);
    expect(result.depth).toBe(2);
    expect(result.files.map((f) => f.path)).toEqual([
      "runbook.yaml",
      "sub/middle.yaml",
      "sub/counter.yaml",
    ]);
  });

  it("gives deep-equal plans for the same files", async () => {
    const files = { "runbook.yaml": parent("sub/counter.yaml"), "sub/counter.yaml": counter };
    const first = await plan(files);
    const second = await plan(files);
    expect(second.plan).toEqual(first.plan);
  });

  it("changes the runbook hash when a child file changes", async () => {
    const first = await plan({
      "runbook.yaml": parent("sub/counter.yaml"),
      "sub/counter.yaml": counter,
    });
    const second = await plan({
      "runbook.yaml": parent("sub/counter.yaml"),
      "sub/counter.yaml": `${counter}# changed\n`,
    });
    expect(second.plan.files[0]?.sha256).toBe(first.plan.files[0]?.sha256);
    expect(second.plan.files[1]?.sha256).not.toBe(first.plan.files[1]?.sha256);
    expect(second.plan.runbookHash).not.toBe(first.plan.runbookHash);
  });

  it("includes a child used twice once in files", async () => {
    const { plan: result } = await plan({
      "runbook.yaml": yaml`
        name: parent
        description: twice
        artifacts:
          data: { source: { type: test_source, properties: { root: /data } } }
          one: { inputs: data, child_runbook: { path: counter.yaml } }
          two: { inputs: data, child_runbook: { path: ./counter.yaml } }
      `,
      "counter.yaml": counter,
    });
    expect(result.files.map((f) => f.path)).toEqual(["runbook.yaml", "counter.yaml"]);
    expect(result.artifacts.map((a) => a.id)).toContain("two__total");
  });

  it("accepts ./.hidden.yaml and resolves it to that file", async () => {
    const { plan: result } = await plan({
      "runbook.yaml": parent("./.hidden.yaml"),
      ".hidden.yaml": counter,
    });
    expect(result.files.map((f) => f.path)).toEqual(["runbook.yaml", ".hidden.yaml"]);
    expect(result.artifacts.find((a) => a.id === "counted__total")?.origin.file).toBe(
      ".hidden.yaml",
    );
  });

  it.each(["../x.yaml", "/abs.yaml", "sub/../../x.yaml"])("refuses the path %s", async (path) => {
    const diagnostics = await diagnosticsOf({ "runbook.yaml": parent(path) });
    // The parser refuses these already (ERR_INVALID_VALUE); the planner would too.
    expect(diagnostics).toEqual([
      expect.objectContaining({ path: "artifacts.counted.child_runbook.path", line: 9 }),
    ]);
    expect(["ERR_INVALID_VALUE", PlanDiagnosticCode.ChildPath]).toContain(diagnostics[0]?.code);
  });

  it.each(["../x.yaml", "/abs.yaml", "sub/../../x.yaml", "sub\\x.yaml"])(
    "refuses the path %s with ERR_CHILD_PATH even when the parser let it through",
    async (path) => {
      const runbook: Runbook = {
        name: "p",
        description: "d",
        config: { max_concurrency: 10, max_child_depth: 3, template_paths: [] },
        plugins: [],
        artifacts: {
          data: {
            source: { type: "test_source", properties: { root: "x" } },
            output: false,
            optional: false,
          },
          counted: { inputs: ["data"], child_runbook: { path }, output: false, optional: false },
        },
      };
      const error = await rejection(assemblePlan(memoryRunbook({}, { rootRunbook: runbook })));
      expect(error.diagnostics.map((d) => [d.code, d.path])).toEqual([
        [PlanDiagnosticCode.ChildPath, "artifacts.counted.child_runbook.path"],
      ]);
    },
  );

  it("reports an id that inlining makes collide with another", async () => {
    const runbook: Runbook = {
      name: "p",
      description: "d",
      config: { max_concurrency: 10, max_child_depth: 3, template_paths: [] },
      plugins: [],
      artifacts: {
        data: {
          source: { type: "test_source", properties: { root: "x" } },
          output: false,
          optional: false,
        },
        counted__total: { inputs: ["data"], output: false, optional: false },
        counted: {
          inputs: ["data"],
          child_runbook: { path: "counter.yaml" },
          output: false,
          optional: false,
        },
      },
    };
    const error = await rejection(
      assemblePlan(memoryRunbook({ "counter.yaml": counter }, { rootRunbook: runbook })),
    );
    expect(error.diagnostics.map((d) => [d.code, d.file])).toEqual([
      [PlanDiagnosticCode.DuplicateArtifact, join(dir, "counter.yaml")],
    ]);
  });

  it("reports a child that is nowhere to be found", async () => {
    const diagnostics = await diagnosticsOf({ "runbook.yaml": parent("missing.yaml") });
    expect(diagnostics.map((d) => [d.code, d.path, d.line])).toEqual([
      [PlanDiagnosticCode.ChildNotFound, "artifacts.counted.child_runbook.path", 9],
    ]);
  });

  it("reports runbooks that include each other with the chain of files", async () => {
    const including = (name: string, path: string) => yaml`
      name: ${name}
      description: includes ${path}
      inputs:
        rows: {}
      outputs:
        out: { artifact: inner }
      artifacts:
        inner:
          inputs: rows
          child_runbook: { path: ${path} }
    `;
    const diagnostics = await diagnosticsOf({
      "runbook.yaml": parent("a.yaml"),
      "a.yaml": including("a", "b.yaml"),
      "b.yaml": including("b", "a.yaml"),
    });
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({
      code: PlanDiagnosticCode.ChildCycle,
      file: join(dir, "b.yaml"),
      path: "artifacts.inner.child_runbook.path",
      line: 10,
    });
    expect(diagnostics[0]?.message).toContain("a.yaml -> b.yaml -> a.yaml");
  });

  it("refuses nesting deeper than the root's max_child_depth", async () => {
    const wrapping = (path: string) => yaml`
      name: wrap
      description: wraps ${path}
      config: { max_child_depth: 10 }
      inputs:
        rows: {}
      outputs:
        out: { artifact: inner }
      artifacts:
        inner:
          inputs: rows
          child_runbook: { path: ${path} }
    `;
    const diagnostics = await diagnosticsOf({
      "runbook.yaml": parent("one.yaml", "config: { max_child_depth: 2 }"),
      "one.yaml": wrapping("two.yaml"),
      "two.yaml": wrapping("counter.yaml"),
      "counter.yaml": counter,
    });
    expect(diagnostics.map((d) => [d.code, d.file, d.path])).toEqual([
      [PlanDiagnosticCode.ChildDepth, join(dir, "two.yaml"), "artifacts.inner.child_runbook.path"],
    ]);
  });

  it("reports problems inside a child with the child's file and position", async () => {
    const diagnostics = await diagnosticsOf({
      "runbook.yaml": parent("sub/counter.yaml"),
      "sub/counter.yaml": counter.replace("inputs: copy", "inputs: copi"),
    });
    expect(diagnostics).toEqual([
      expect.objectContaining({
        code: PlanDiagnosticCode.UnknownArtifact,
        file: join(dir, "sub/counter.yaml"),
        path: "artifacts.total.inputs.0",
        line: 11,
        hint: 'did you mean "copy"?',
      }),
    ]);
  });

  it("maps several inputs by input_mapping", async () => {
    const pairChild = yaml`
      name: pairing
      description: pairs
      inputs:
        left: {}
        right: {}
        extra: { optional: true }
      outputs:
        out: { artifact: joined }
      artifacts:
        joined:
          inputs: [left, right]
          process: { type: pair }
    `;
    const { plan: result } = await plan({
      "runbook.yaml": yaml`
        name: parent
        description: maps
        artifacts:
          rows: { source: { type: test_source, properties: { root: x } } }
          others: { source: { type: other_source } }
          paired:
            inputs: [others, rows]
            child_runbook:
              path: pair.yaml
              input_mapping: { left: rows, right: others }
      `,
      "pair.yaml": pairChild,
    });
    expect(result.artifacts.find((a) => a.id === "paired__joined")?.inputs).toEqual([
      "rows",
      "others",
    ]);
  });

  it("reports input_mapping problems", async () => {
    const pairChild = yaml`
      name: pairing
      description: pairs
      inputs:
        left: {}
        right: {}
      outputs:
        out: { artifact: joined }
      artifacts:
        joined:
          inputs: [left, right]
          process: { type: pair }
    `;
    const diagnostics = await diagnosticsOf({
      "runbook.yaml": yaml`
        name: parent
        description: maps
        artifacts:
          rows: { source: { type: test_source, properties: { root: x } } }
          paired:
            inputs: [rows]
            child_runbook:
              path: pair.yaml
              input_mapping: { left: rows, lefty: rows, right: elsewhere }
      `,
      "pair.yaml": pairChild,
    });
    expect(diagnostics.map((d) => [d.code, d.path])).toEqual([
      [PlanDiagnosticCode.ChildMapping, "artifacts.paired.child_runbook.input_mapping.lefty"],
      [PlanDiagnosticCode.ChildMapping, "artifacts.paired.child_runbook.input_mapping.right"],
    ]);
  });

  it("passes an unmapped optional input on to a nested child only where that is optional", async () => {
    const middle = yaml`
      name: middle
      description: passes extra on
      inputs:
        rows: {}
        extra: { optional: true }
      outputs:
        out: { artifact: inner }
      artifacts:
        inner:
          inputs: [rows, extra]
          child_runbook:
            path: inner.yaml
            input_mapping: { rows: rows, extra: extra }
    `;
    const inner = (optional: boolean) => yaml`
      name: inner
      description: counts
      inputs:
        rows: {}
        extra: { optional: ${optional} }
      outputs:
        out: { artifact: total }
      artifacts:
        total: { inputs: rows, process: { type: count } }
    `;
    const files = (optional: boolean) => ({
      "runbook.yaml": parent("middle.yaml"),
      "middle.yaml": middle,
      "inner.yaml": inner(optional),
    });
    const { plan: result } = await plan(files(true));
    expect(result.artifacts.find((a) => a.id === "counted__inner__total")?.inputs).toEqual([
      "data",
    ]);
    const diagnostics = await diagnosticsOf(files(false));
    expect(diagnostics.map((d) => [d.code, d.file, d.path])).toEqual([
      [
        PlanDiagnosticCode.ChildMapping,
        join(dir, "middle.yaml"),
        "artifacts.inner.child_runbook.input_mapping.extra",
      ],
    ]);
  });

  it("requires input_mapping when either side has several inputs", async () => {
    const diagnostics = await diagnosticsOf({
      "runbook.yaml": yaml`
        name: parent
        description: maps
        artifacts:
          rows: { source: { type: test_source, properties: { root: x } } }
          more: { source: { type: test_source, properties: { root: y } } }
          counted:
            inputs: [rows, more]
            child_runbook: { path: counter.yaml }
      `,
      "counter.yaml": counter,
    });
    expect(diagnostics.map((d) => [d.code, d.path])).toEqual([
      [PlanDiagnosticCode.ChildMapping, "artifacts.counted.child_runbook"],
    ]);
  });

  it("checks a mapped artifact against the child input's input_schema", async () => {
    const diagnostics = await diagnosticsOf({
      "runbook.yaml": yaml`
        name: parent
        description: maps
        artifacts:
          data: { source: { type: other_source } }
          counted:
            inputs: data
            child_runbook: { path: counter.yaml }
      `,
      "counter.yaml": counter,
    });
    expect(diagnostics.map((d) => d.code)).toContain(PlanDiagnosticCode.SchemaMismatch);
    expect(diagnostics.find((d) => d.path === "artifacts.counted.child_runbook")?.code).toBe(
      PlanDiagnosticCode.SchemaMismatch,
    );
  });

  it("requires output when the child declares several outputs, and a known one", async () => {
    const twoOutputs = counter.replace(
      "  total: { artifact: total }",
      "  total: { artifact: total }\n  copied: { artifact: copy }",
    );
    const missing = await diagnosticsOf({
      "runbook.yaml": parent("counter.yaml"),
      "counter.yaml": twoOutputs,
    });
    expect(missing.map((d) => [d.code, d.path])).toEqual([
      [PlanDiagnosticCode.ChildOutput, "artifacts.counted.child_runbook"],
    ]);
    const unknown = await diagnosticsOf({
      "runbook.yaml": parent("counter.yaml").replace(
        'path: "counter.yaml"',
        'path: "counter.yaml", output: totl',
      ),
      "counter.yaml": twoOutputs,
    });
    expect(unknown).toEqual([
      expect.objectContaining({
        code: PlanDiagnosticCode.ChildOutput,
        path: "artifacts.counted.child_runbook.output",
        hint: 'did you mean "total"?',
      }),
    ]);
    const { plan: chosen } = await plan({
      "runbook.yaml": parent("counter.yaml").replace(
        'path: "counter.yaml"',
        'path: "counter.yaml", output: copied',
      ),
      "counter.yaml": twoOutputs,
    });
    expect(chosen.artifacts.find((a) => a.id === "counted")?.inputs).toEqual(["counted__copy"]);
  });

  it("refuses a child that declares no inputs", async () => {
    const diagnostics = await diagnosticsOf({
      "runbook.yaml": parent("plain.yaml"),
      "plain.yaml": yaml`
        name: plain
        description: a root runbook
        outputs:
          out: { artifact: rows }
        artifacts:
          rows: { source: { type: test_source, properties: { root: x } } }
      `,
    });
    expect(diagnostics.map((d) => [d.code, d.path])).toEqual([
      [PlanDiagnosticCode.ChildMapping, "artifacts.counted.child_runbook.path"],
    ]);
  });

  it("reports the inputs of a child runbook planned on its own", async () => {
    const diagnostics = await diagnosticsOf({ "counter.yaml": counter }, "counter.yaml");
    expect(diagnostics.map((d) => [d.code, d.path, d.hint])).toEqual([
      [
        PlanDiagnosticCode.UnknownArtifact,
        "artifacts.copy.inputs.0",
        "plan the parent runbook instead",
      ],
    ]);
  });
});

describe("child runbooks on disk (the load step)", () => {
  let disk: string;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    ({ dir: disk, cleanup } = await makeTempDir());
  });

  afterEach(async () => {
    await cleanup();
  });

  async function planOnDisk(files: Record<string, string>, root = "runbook.yaml") {
    await writeFiles(disk, files);
    return planRunbook(join(disk, root), { plugins: testPlugins });
  }

  async function diskDiagnosticsOf(files: Record<string, string>) {
    const error = await rejection(planOnDisk(files));
    expect(error.code).toBe(ExecutorErrorCode.RunbookInvalid);
    return error.diagnostics;
  }

  it("neither reports nor imports anything of a child past max_child_depth", async () => {
    const diagnostics = await diskDiagnosticsOf({
      "runbook.yaml": parent("one.yaml", "config: { max_child_depth: 1 }"),
      "one.yaml": yaml`
        name: one
        description: wraps the counter
        inputs:
          rows: {}
        outputs:
          out: { artifact: inner }
        artifacts:
          inner:
            inputs: rows
            child_runbook: { path: deep.yaml }
      `,
      "deep.yaml": counter.replace(
        "description: counts rows",
        "description: counts rows\nplugins: [./missing-plugin.mjs]\nbogus: 1",
      ),
    });
    expect(diagnostics.map((d) => [d.code, d.file])).toEqual([
      [PlanDiagnosticCode.ChildDepth, join(disk, "one.yaml")],
    ]);
  });

  it("refuses a symlink that leaves the runbook's folder", async () => {
    const outside = await makeTempDir();
    try {
      await writeFile(join(outside.dir, "counter.yaml"), counter);
      await writeFiles(disk, { "runbook.yaml": parent("link.yaml") });
      await symlink(join(outside.dir, "counter.yaml"), join(disk, "link.yaml"));
      const diagnostics = await diskDiagnosticsOf({});
      expect(diagnostics.map((d) => [d.code, d.path, d.line])).toEqual([
        [PlanDiagnosticCode.ChildPath, "artifacts.counted.child_runbook.path", 9],
      ]);
    } finally {
      await outside.cleanup();
    }
  });
  it("follows a symlink that stays inside the folder", async () => {
    await writeFiles(disk, { "runbook.yaml": parent("link.yaml"), "real/counter.yaml": counter });
    await symlink(join(disk, "real/counter.yaml"), join(disk, "link.yaml"));
    const { plan: result } = await planOnDisk({});
    expect(result.files.map((f) => f.path)).toEqual(["runbook.yaml", "link.yaml"]);
  });
  it("finds a child in template_paths relative to the root runbook", async () => {
    const { plan: result } = await planOnDisk(
      {
        "project/runbook.yaml": parent(
          "counter.yaml",
          "config: { template_paths: [../templates] }",
        ),
        "templates/counter.yaml": counter,
      },
      "project/runbook.yaml",
    );
    expect(result.files.map((f) => f.path)).toEqual(["runbook.yaml", "../templates/counter.yaml"]);
    expect(result.artifacts.find((a) => a.id === "counted__total")?.baseDir).toBe(
      join(disk, "templates"),
    );
  });
  it("prefers the runbook's own folder over template_paths", async () => {
    const { plan: result } = await planOnDisk({
      "runbook.yaml": parent("counter.yaml", "config: { template_paths: [templates] }"),
      "counter.yaml": counter,
      "templates/counter.yaml": "not even yaml: [",
    });
    expect(result.files.map((f) => f.path)).toEqual(["runbook.yaml", "counter.yaml"]);
  });
  it("loads a child's plugins relative to the child's folder", async () => {
    const { plan: result, registry } = await planOnDisk({
      "package.json": '{"type":"module"}',
      "runbook.yaml": parent("sub/child.yaml"),
      "sub/plugins/upper.js": `export default {
        name: "upper",
        processors: [{ type: "upper", description: "", inputSchemas: [[{ name: "rows", version: "1.0.0" }]],
          outputSchema: { name: "rows", version: "1.0.0" }, async process() { return []; } }],
      };`,
      "sub/child.yaml": yaml`
        name: child
        description: uses its own plugin
        plugins: [./plugins/upper.js]
        inputs:
          rows: {}
        outputs:
          out: { artifact: up }
        artifacts:
          up: { inputs: rows, process: { type: upper } }
      `,
    });
    expect(registry.processors.get("upper")?.source).toBe(join(disk, "sub/plugins/upper.js"));
    expect(result.artifacts.find((a) => a.id === "counted__up")?.component).toBe("upper");
  });
  it("reports a child path that is a folder", async () => {
    await mkdir(join(disk, "kid.yaml"));
    const diagnostics = await diskDiagnosticsOf({ "runbook.yaml": parent("./kid.yaml") });
    expect(diagnostics.map((d) => [d.code, d.line])).toEqual([
      [PlanDiagnosticCode.ChildNotFound, 9],
    ]);
  });

  it("reports a child that is not valid UTF-8 at its first bad byte", async () => {
    await writeFile(
      join(disk, "kid.yaml"),
      Buffer.from([0x6e, 0x61, 0x6d, 0x65, 0x3a, 0x20, 0xff, 0x0a]),
    );
    const diagnostics = await diskDiagnosticsOf({ "runbook.yaml": parent("./kid.yaml") });
    expect(diagnostics).toContainEqual(
      expect.objectContaining({ code: "ERR_YAML_SYNTAX", line: 1, column: 7 }),
    );
  });
});
