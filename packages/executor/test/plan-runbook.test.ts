import { join } from "node:path";
import type { Runbook } from "@wct/runbook-schema";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ExecutorErrorCode } from "../src/errors.js";
import { assemblePlan, runbookHash } from "../src/plan/assemble.js";
import { PlanDiagnosticCode } from "../src/plan/codes.js";
import { describePlan } from "../src/plan/describe.js";
import type { LoadedRunbook, ReuseLookup } from "../src/plan/loaded.js";
import { planRunbook } from "../src/plan/plan-runbook.js";
import { makeTempDir, rejection, testPlugins, writeFiles, yaml } from "./fixtures/plan/helpers.js";
import { memoryRunbook, VIRTUAL_DIR } from "./fixtures/plan/memory.js";

// Planning logic is tested through assemblePlan with runbooks held in memory (in a
// folder that does not exist); "the load step" below goes through the disk.
const dir = VIRTUAL_DIR;

/** Plans `runbook.yaml` (and any other files) from memory with the test plugin. */
function planText(
  text: string,
  extra: Record<string, string> = {},
  env: Record<string, string> = {},
  reuse: ReuseLookup[] = [],
) {
  return assemblePlan(memoryRunbook({ "runbook.yaml": text, ...extra }, { env, reuse }));
}

async function diagnosticsOf(text: string, extra: Record<string, string> = {}) {
  const error = await rejection(planText(text, extra));
  expect(error.code).toBe(ExecutorErrorCode.RunbookInvalid);
  return error.diagnostics;
}

const header = "name: test\ndescription: planner test\n";

/** A runbook with the common header (lines 1-2) and `body` (from line 3). */
const rb = (strings: TemplateStringsArray, ...values: unknown[]) =>
  header + yaml(strings, ...values);

describe("assemblePlan", () => {
  it("plans artifacts in topological order with their kinds, schemas and properties", async () => {
    const { plan } = await planText(rb`
      config:
        max_concurrency: 4
        timeout: 60
      artifacts:
        total:
          inputs: [both]
          process: { type: count }
          output: true
        both:
          inputs: [rows, more]
          merge: concatenate
        rows:
          name: Rows
          source: { type: test_source, properties: { root: /data } }
        more:
          source: { type: test_source, properties: { root: /more, limit: 2 } }
          optional: true
          timeout: 5
        copy:
          inputs: rows
    `);
    expect(plan.artifacts.map((a) => a.id)).toEqual(["rows", "more", "both", "total", "copy"]);
    expect(plan.config).toEqual({ maxConcurrency: 4, maxChildDepth: 3, timeout: 60 });
    expect(plan.depth).toBe(0);
    expect(plan.runbookPath).toBe(join(dir, "runbook.yaml"));
    expect(plan.files.map((f) => f.path)).toEqual(["runbook.yaml"]);
    const byId = Object.fromEntries(plan.artifacts.map((a) => [a.id, a]));
    expect(byId.rows).toEqual({
      id: "rows",
      name: "Rows",
      kind: "source",
      component: "test_source",
      properties: { root: "/data", limit: 10 },
      inputs: [],
      schema: { name: "rows", version: "1.0.0" },
      output: false,
      optional: false,
      origin: { file: "runbook.yaml", artifact: "rows" },
      baseDir: dir,
    });
    expect(byId.more).toMatchObject({ optional: true, timeout: 5, properties: { limit: 2 } });
    expect(byId.both).toMatchObject({
      kind: "merge",
      inputs: ["rows", "more"],
      schema: { name: "rows" },
    });
    expect(byId.total).toMatchObject({
      kind: "process",
      component: "count",
      output: true,
      schema: { name: "count", version: "1.0.0" },
    });
    expect(byId.copy).toMatchObject({
      kind: "passthrough",
      inputs: ["rows"],
      schema: { name: "rows" },
    });
  });

  it("gives deep-equal plans for the same files", async () => {
    const text = rb`
      artifacts:
        b: { inputs: a, process: { type: count } }
        a: { source: { type: test_source, properties: { root: x } } }
    `;
    const first = await planText(text);
    const second = await planText(text);
    expect(second.plan).toEqual(first.plan);
  });

  it("reports an unknown input with the closest id as hint", async () => {
    const diagnostics = await diagnosticsOf(rb`
      artifacts:
        files:
          source: { type: test_source, properties: { root: x } }
        total:
          inputs: [filez]
          process: { type: count }
    `);
    expect(diagnostics).toEqual([
      expect.objectContaining({
        code: PlanDiagnosticCode.UnknownArtifact,
        path: "artifacts.total.inputs.0",
        line: 7,
        column: 14,
        file: join(dir, "runbook.yaml"),
        hint: 'did you mean "files"?',
      }),
    ]);
  });

  it("reports a dependency cycle with its path", async () => {
    const diagnostics = await diagnosticsOf(rb`
      artifacts:
        a: { inputs: c }
        b: { inputs: a }
        c: { inputs: b }
        d: { source: { type: test_source, properties: { root: x } } }
    `);
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({
      code: PlanDiagnosticCode.DependencyCycle,
      path: "artifacts.a.inputs",
      line: 4,
    });
    expect(diagnostics[0]?.message).toContain("a -> b -> c -> a");
  });

  it("reports an unknown component type listing the known types", async () => {
    const diagnostics = await diagnosticsOf(rb`
      artifacts:
        rows:
          source: { type: test_sourc, properties: {} }
    `);
    expect(diagnostics).toEqual([
      expect.objectContaining({
        code: PlanDiagnosticCode.UnknownComponent,
        path: "artifacts.rows.source.type",
        line: 5,
        hint: 'did you mean "test_source"?',
      }),
    ]);
    expect(diagnostics[0]?.message).toContain("other_source, test_source");
  });

  it("reports every property issue at the property's path and line", async () => {
    const diagnostics = await diagnosticsOf(rb`
      artifacts:
        rows:
          source:
            type: test_source
            properties:
              limit: -1
              tags: [ok, 3]
    `);
    expect(
      diagnostics
        .map((d) => ({ code: d.code, path: d.path, line: d.line }))
        .sort((a, b) => a.path.localeCompare(b.path)),
    ).toEqual([
      {
        code: PlanDiagnosticCode.InvalidProperties,
        path: "artifacts.rows.source.properties.limit",
        line: 8,
      },
      {
        code: PlanDiagnosticCode.InvalidProperties,
        path: "artifacts.rows.source.properties.root",
        line: 7,
      },
      {
        code: PlanDiagnosticCode.InvalidProperties,
        path: "artifacts.rows.source.properties.tags.1",
        line: 9,
      },
    ]);
  });

  it("reports an unknown property at its key with the closest known property", async () => {
    const diagnostics = await diagnosticsOf(rb`
      artifacts:
        rows:
          source:
            type: test_source
            properties:
              root: ./data
              limt: 5
    `);
    expect(diagnostics).toEqual([
      expect.objectContaining({
        code: PlanDiagnosticCode.InvalidProperties,
        path: "artifacts.rows.source.properties.limt",
        line: 9,
        hint: 'did you mean "limit"?',
      }),
    ]);
  });

  it("reports a single input whose schema the processor does not accept", async () => {
    const diagnostics = await diagnosticsOf(rb`
      artifacts:
        others:
          source: { type: other_source }
        total:
          inputs: others
          process: { type: count }
    `);
    expect(diagnostics).toEqual([
      expect.objectContaining({
        code: PlanDiagnosticCode.SchemaMismatch,
        path: "artifacts.total.inputs",
        line: 7,
      }),
    ]);
    expect(diagnostics[0]?.message).toContain("other/1.0.0");
    expect(diagnostics[0]?.message).toContain("[rows/1.0.0]");
  });

  it("checks several inputs against the processor's combinations in order", async () => {
    const text = (order: string) => rb`
      artifacts:
        rows: { source: { type: test_source, properties: { root: x } } }
        others: { source: { type: other_source } }
        joined: { inputs: [${order}], process: { type: pair } }
    `;
    await expect(planText(text("rows, others"))).resolves.toBeDefined();
    const diagnostics = await diagnosticsOf(text("others, rows"));
    expect(diagnostics.map((d) => d.code)).toEqual([PlanDiagnosticCode.SchemaMismatch]);
  });

  it("reports a merge of inputs with different schemas", async () => {
    const diagnostics = await diagnosticsOf(rb`
      artifacts:
        rows: { source: { type: test_source, properties: { root: x } } }
        others: { source: { type: other_source } }
        all:
          inputs: [rows, others]
          merge: concatenate
    `);
    expect(diagnostics).toEqual([
      expect.objectContaining({
        code: PlanDiagnosticCode.SchemaMismatch,
        path: "artifacts.all.inputs",
        line: 7,
      }),
    ]);
  });

  it("reports an output_schema that differs from what the component produces", async () => {
    const diagnostics = await diagnosticsOf(rb`
      artifacts:
        rows:
          source: { type: test_source, properties: { root: x } }
          output_schema: rows/2.0.0
        copy:
          inputs: rows
          output_schema: rows
    `);
    expect(diagnostics).toEqual([
      expect.objectContaining({
        code: PlanDiagnosticCode.SchemaMismatch,
        path: "artifacts.rows.output_schema",
        line: 6,
      }),
    ]);
  });

  it("reports all problems at once", async () => {
    const diagnostics = await diagnosticsOf(rb`
      artifacts:
        a: { source: { type: nope } }
        b: { inputs: missing }
        c: { inputs: c }
    `);
    expect(diagnostics.map((d) => d.code).sort()).toEqual([
      PlanDiagnosticCode.DependencyCycle,
      PlanDiagnosticCode.UnknownArtifact,
      PlanDiagnosticCode.UnknownComponent,
    ]);
  });

  it("passes the parser's diagnostics through", async () => {
    const diagnostics = await diagnosticsOf(rb`
      artifacts:
        a: { sourc: { type: test_source } }
    `);
    expect(diagnostics.length).toBeGreaterThan(0);
    expect(diagnostics.every((d) => d.file === join(dir, "runbook.yaml"))).toBe(true);
  });

  it("puts substituted values in properties but keeps the text as written", async () => {
    const text = rb`
      artifacts:
        rows: { source: { type: test_source, properties: { root: "\${DATA_ROOT}" } } }
    `;
    const { plan } = await planText(text, {}, { DATA_ROOT: "/secret/place" });
    expect(plan.artifacts[0]?.properties.root).toBe("/secret/place");
    expect(plan.files[0]?.text).toBe(text);
    expect(plan.files[0]?.text).not.toContain("/secret/place");
  });

  it("hashes the runbook bytes into runbookHash and files", async () => {
    const { plan } = await planText(rb`
      artifacts:
        rows: { source: { type: test_source, properties: { root: x } } }
    `);
    expect(plan.runbookHash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(plan.files[0]?.sha256).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(plan.runbookHash).not.toBe(plan.files[0]?.sha256);
  });
});

describe("assemblePlan without I/O", () => {
  it("plans a loaded runbook built by hand, from a folder that does not exist", async () => {
    const runbook: Runbook = {
      name: "by hand",
      description: "no file, no store, no module",
      config: { max_concurrency: 10, max_child_depth: 3, template_paths: [] },
      plugins: [],
      artifacts: {
        old: { reuse: { from_run: "run-1", artifact: "rows" }, output: false, optional: false },
        total: {
          inputs: ["old"],
          process: { type: "count", properties: {} },
          output: true,
          optional: false,
        },
      },
    };
    const loaded: LoadedRunbook = {
      root: {
        absPath: "/nowhere/runbook.yaml",
        realPath: "/nowhere/runbook.yaml",
        relPath: "runbook.yaml",
        baseDir: "/nowhere",
        bytes: Buffer.from("written"),
        text: "written",
        displayFile: "runbook.yaml",
        locate: () => undefined,
        runbook,
        diagnostics: [],
        includes: new Map(),
      },
      children: new Map(),
      plugins: testPlugins,
      reuse: [{ from_run: "run-1", artifact: "rows", schema: { name: "rows", version: "1.0.0" } }],
      secrets: new Map(),
    };
    const { plan, registry } = await assemblePlan(loaded);
    expect(plan.artifacts.map((a) => [a.id, a.schema?.name, a.baseDir])).toEqual([
      ["old", "rows", "/nowhere"],
      ["total", "count", "/nowhere"],
    ]);
    expect(plan.files).toEqual([
      { path: "runbook.yaml", sha256: expect.stringMatching(/^sha256:/), text: "written" },
    ]);
    expect(registry.processors.has("count")).toBe(true);
  });
});

describe("runbookHash", () => {
  it("does not confuse bytes moved from one file to the next", () => {
    const bytes = (text: string) => Buffer.from(text);
    expect(runbookHash([bytes("ab"), bytes("c")])).not.toBe(runbookHash([bytes("a"), bytes("bc")]));
    expect(runbookHash([bytes("ab"), bytes("c")])).toBe(runbookHash([bytes("ab"), bytes("c")]));
  });
});

describe("reuse", () => {
  const text = rb`
    artifacts:
      old:
        reuse: { from_run: run-1, artifact: rows }
      again:
        reuse: { from_run: run-1, artifact: rows }
      copy:
        inputs: old
      total:
        inputs: copy
        process: { type: count }
  `;

  const rows = { name: "rows", version: "1.0.0" };

  it("takes the schema the load step found and passes it downstream", async () => {
    const { plan } = await planText(text, {}, {}, [
      { from_run: "run-1", artifact: "rows", schema: rows },
    ]);
    const byId = Object.fromEntries(plan.artifacts.map((a) => [a.id, a]));
    expect(byId.old).toMatchObject({
      kind: "reuse",
      reuse: { from_run: "run-1", artifact: "rows" },
    });
    expect(byId.copy?.schema).toEqual({ name: "rows", version: "1.0.0" });
  });

  it("checks downstream schemas against the resolved schema", async () => {
    const error = await rejection(
      planText(text, {}, {}, [
        { from_run: "run-1", artifact: "rows", schema: { name: "other", version: "1.0.0" } },
      ]),
    );
    expect(error.diagnostics.map((d) => [d.code, d.path])).toEqual([
      [PlanDiagnosticCode.SchemaMismatch, "artifacts.total.inputs"],
    ]);
  });

  it("turns a reuse lookup's error into a diagnostic with its code at each reference", async () => {
    const error = await rejection(
      planText(text, {}, {}, [
        {
          from_run: "run-1",
          artifact: "rows",
          error: { code: ExecutorErrorCode.ReuseRunNotFound, message: "no run run-1" },
        },
      ]),
    );
    expect(error.code).toBe(ExecutorErrorCode.RunbookInvalid);
    expect(error.diagnostics.map((d) => [d.code, d.path, d.line])).toEqual([
      [ExecutorErrorCode.ReuseRunNotFound, "artifacts.old.reuse.from_run", 5],
      [ExecutorErrorCode.ReuseRunNotFound, "artifacts.again.reuse.from_run", 7],
    ]);
  });

  it("leaves schemas null without a reuse lookup", async () => {
    const { plan } = await planText(text);
    const byId = Object.fromEntries(plan.artifacts.map((a) => [a.id, a]));
    expect(byId.old?.schema).toBeNull();
    expect(byId.copy?.schema).toBeNull();
    expect(byId.total?.schema).toEqual({ name: "count", version: "1.0.0" });
  });
});

describe("describePlan", () => {
  it("summarises each artifact in snake_case", async () => {
    const { plan } = await planText(rb`
      artifacts:
        rows: { source: { type: test_source, properties: { root: x } } }
        more: { source: { type: test_source, properties: { root: y } } }
        all: { inputs: [rows, more], merge: concatenate }
        copy: { inputs: all, output: true }
        total: { inputs: copy, process: { type: count } }
        old: { reuse: { from_run: run-1, artifact: rows } }
    `);
    const description = describePlan(plan);
    expect(description).toMatchObject({
      name: "test",
      artifact_count: 6,
      depth: 0,
      runbook_hash: plan.runbookHash,
    });
    expect(description.artifacts.map((a) => [a.id, a.produced_by, a.schema])).toEqual([
      ["rows", "connector test_source", "rows/1.0.0"],
      ["more", "connector test_source", "rows/1.0.0"],
      ["all", "merge of rows, more", "rows/1.0.0"],
      ["copy", "pass-through of all", "rows/1.0.0"],
      ["total", "processor count", "count/1.0.0"],
      ["old", "reuse of run-1/rows", null],
    ]);
    expect(description.artifacts[3]).toMatchObject({
      output: true,
      optional: false,
      inputs: ["all"],
    });
  });
});

describe("the load step (planRunbook)", () => {
  let tmp: string;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    ({ dir: tmp, cleanup } = await makeTempDir());
  });

  afterEach(async () => {
    await cleanup();
  });

  const text = rb`
    artifacts:
      rows: { source: { type: test_source, properties: { root: "\${DATA_ROOT}" } } }
      old: { reuse: { from_run: run-1, artifact: rows } }
      again: { reuse: { from_run: run-1, artifact: rows } }
      total: { inputs: [old], process: { type: count } }
  `;

  it("plans a runbook file as assemblePlan plans the same text from memory", async () => {
    await writeFiles(tmp, { "runbook.yaml": text });
    const env = { DATA_ROOT: "/data" };
    const rows = { name: "rows", version: "1.0.0" };
    const fromDisk = await planRunbook(join(tmp, "runbook.yaml"), {
      plugins: testPlugins,
      env,
      resolveReuse: async () => rows,
    });
    const fromMemory = await planText(text, {}, env, [
      { from_run: "run-1", artifact: "rows", schema: rows },
    ]);
    const placeless = (plan: typeof fromDisk.plan) => ({
      ...plan,
      runbookPath: "",
      artifacts: plan.artifacts.map((a) => ({ ...a, baseDir: "" })),
    });
    expect(placeless(fromDisk.plan)).toEqual(placeless(fromMemory.plan));
    expect(fromDisk.plan.runbookPath).toBe(join(tmp, "runbook.yaml"));
  });

  it("asks the resolver once per reuse reference", async () => {
    await writeFiles(tmp, { "runbook.yaml": text });
    const calls: unknown[] = [];
    await planRunbook(join(tmp, "runbook.yaml"), {
      plugins: testPlugins,
      env: { DATA_ROOT: "/data" },
      resolveReuse: async (ref) => {
        calls.push(ref);
        return { name: "rows", version: "1.0.0" };
      },
    });
    expect(calls).toEqual([{ from_run: "run-1", artifact: "rows" }]);
  });

  it("turns a resolver error with a code into a diagnostic and rethrows one without", async () => {
    await writeFiles(tmp, { "runbook.yaml": text });
    const planWith = (error: Error) =>
      planRunbook(join(tmp, "runbook.yaml"), {
        plugins: testPlugins,
        env: { DATA_ROOT: "/data" },
        resolveReuse: async () => {
          throw error;
        },
      });
    const coded = await rejection(
      planWith(Object.assign(new Error("gone"), { code: ExecutorErrorCode.ReuseRunNotFound })),
    );
    expect(coded.diagnostics.map((d) => d.code)).toEqual([
      ExecutorErrorCode.ReuseRunNotFound,
      ExecutorErrorCode.ReuseRunNotFound,
    ]);
    const plain = new Error("store offline");
    await expect(planWith(plain)).rejects.toBe(plain);
  });

  it("refuses a runbook file that does not exist with ERR_RUNBOOK_NOT_FOUND", async () => {
    const error = await rejection(planRunbook(join(tmp, "missing.yaml"), { plugins: testPlugins }));
    expect(error.code).toBe(ExecutorErrorCode.RunbookNotFound);
  });
});
