import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Plugin } from "@wct/plugin-api";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { ExecutorError, ExecutorErrorCode } from "../src/errors.js";
import { assemblePlan } from "../src/plan/assemble.js";
import { PlanDiagnosticCode } from "../src/plan/codes.js";
import { planRunbook } from "../src/plan/plan-runbook.js";
import type { LoadedPlugin } from "../src/plan/registry.js";
import { makeTempDir, rejection, testPlugins, writeFiles, yaml } from "./fixtures/plan/helpers.js";
import { memoryRunbook, VIRTUAL_DIR } from "./fixtures/plan/memory.js";

// Planning logic is tested through assemblePlan from memory; "the load step" at the
// end goes through the disk.
const dir = VIRTUAL_DIR;

async function diagnosticsOf(
  files: Record<string, string>,
  options: { plugins?: LoadedPlugin[]; env?: Record<string, string>; pluginError?: unknown } = {},
) {
  const error = await rejection(assemblePlan(memoryRunbook(files, options)));
  expect(error.code).toBe(ExecutorErrorCode.RunbookInvalid);
  return error.diagnostics;
}

/** `code path line` of each diagnostic, for compact assertions. */
const summary = (diagnostics: { code: string; path: string; line: number }[]) =>
  diagnostics.map((d) => `${d.code} ${d.path} ${d.line}`);

describe("planning a runbook that fails its schema", () => {
  it("reports schema, reference, component and property problems at once with their lines", async () => {
    const diagnostics = await diagnosticsOf({
      "runbook.yaml": yaml`
        name: partial
        description: four kinds of mistakes
        artifacts:
          rows:
            source: { type: test_source, properties: { root: /data, limit: -1 } }
          typo:
            inputs: rows
            outptu: true
          total:
            inputs: [rows, missing]
            process: { type: count }
          report:
            inputs: rows
            process: { type: pdf_report }
      `,
    });
    expect(summary(diagnostics)).toEqual([
      `${PlanDiagnosticCode.InvalidProperties} artifacts.rows.source.properties.limit 5`,
      "ERR_UNKNOWN_KEY artifacts.typo.outptu 8",
      `${PlanDiagnosticCode.UnknownArtifact} artifacts.total.inputs.1 10`,
      `${PlanDiagnosticCode.UnknownComponent} artifacts.report.process.type 14`,
    ]);
  });

  it("does not report a reference to a declared but invalid artifact as unknown", async () => {
    const diagnostics = await diagnosticsOf({
      "runbook.yaml": yaml`
        name: partial
        description: an input that is broken, not unknown
        artifacts:
          rows:
            source: { type: test_source, properties: { root: /data } }
            timeout: soon
          total:
            inputs: rows
            process: { type: count }
      `,
    });
    expect(summary(diagnostics)).toEqual(["ERR_INVALID_VALUE artifacts.rows.timeout 6"]);
  });

  it("reports an unknown input of an artifact that also has an unknown key", async () => {
    const diagnostics = await diagnosticsOf({
      "runbook.yaml": yaml`
        name: partial
        description: a misspelt key and an unknown input in one artifact
        artifacts:
          nums:
            source: { type: test_source, properties: { root: /data } }
          total:
            inputs: numz
            proces: { type: count }
      `,
    });
    expect(summary(diagnostics)).toEqual([
      `${PlanDiagnosticCode.UnknownArtifact} artifacts.total.inputs.0 7`,
      "ERR_UNKNOWN_KEY artifacts.total.proces 8",
    ]);
  });

  it("does not report an invalid artifact's input that names another invalid artifact", async () => {
    const diagnostics = await diagnosticsOf({
      "runbook.yaml": yaml`
        name: partial
        description: two broken artifacts, one taking the other
        artifacts:
          rows:
            source: { type: test_source, properties: { root: /data } }
            outptu: true
          total:
            inputs: [rows]
            proces: { type: count }
      `,
    });
    expect(summary(diagnostics)).toEqual([
      "ERR_UNKNOWN_KEY artifacts.rows.outptu 6",
      "ERR_UNKNOWN_KEY artifacts.total.proces 9",
    ]);
  });

  it("skips the schema checks that need an invalid artifact's schema", async () => {
    const diagnostics = await diagnosticsOf({
      "runbook.yaml": yaml`
        name: partial
        description: pair would need both schemas
        artifacts:
          rows:
            source: { type: test_source, properties: { root: /data } }
          other:
            source: { type: other_source, bogus: 1 }
          paired:
            inputs: [rows, other]
            process: { type: pair }
          counted:
            inputs: paired
            process: { type: count }
      `,
    });
    expect(summary(diagnostics)).toEqual(["ERR_UNKNOWN_KEY artifacts.other.source.bogus 7"]);
  });

  it("reports a cycle among the valid artifacts next to the schema problem", async () => {
    const diagnostics = await diagnosticsOf({
      "runbook.yaml": yaml`
        name: partial
        description: cycle
        contact: 42
        artifacts:
          a: { inputs: b }
          b: { inputs: a }
      `,
    });
    expect(summary(diagnostics)).toEqual([
      "ERR_INVALID_VALUE contact 3",
      `${PlanDiagnosticCode.DependencyCycle} artifacts.a.inputs 5`,
    ]);
  });

  it("never plans: schema problems alone still end in ERR_RUNBOOK_INVALID", async () => {
    const diagnostics = await diagnosticsOf({
      "runbook.yaml": yaml`
        name: partial
        description: only a config problem
        config: { max_concurrency: 0 }
        artifacts:
          rows:
            source: { type: test_source, properties: { root: /data } }
      `,
    });
    expect(summary(diagnostics)).toEqual(["ERR_INVALID_VALUE config.max_concurrency 3"]);
  });

  it("does not report unknown components when the plugins list is not as written", async () => {
    const diagnostics = await diagnosticsOf({
      "runbook.yaml": yaml`
        name: partial
        description: plugins given as a string
        plugins: ./acme.mjs
        artifacts:
          rows:
            source: { type: acme_source }
      `,
    });
    expect(summary(diagnostics)).toEqual(["ERR_INVALID_VALUE plugins 3"]);
  });

  it("adds a plugin that could not be loaded to the diagnostics instead of failing alone", async () => {
    const loadError = new ExecutorError(
      ExecutorErrorCode.PluginLoad,
      "cannot load ./missing-plugin.mjs",
    );
    const diagnostics = await diagnosticsOf(
      {
        "runbook.yaml": yaml`
        name: partial
        description: a plugin that is not there
        plugins: [./missing-plugin.mjs]
        artifacts:
          rows:
            source: { type: test_source, properties: { root: /data } }
            output: maybe
      `,
      },
      { pluginError: loadError },
    );
    expect(diagnostics.map((d) => d.code)).toEqual(["ERR_PLUGIN_LOAD", "ERR_INVALID_VALUE"]);
  });

  it("throws a plugin that could not be loaded alone when the runbook is valid", async () => {
    const loadError = new ExecutorError(
      ExecutorErrorCode.PluginLoad,
      "cannot load ./missing-plugin.mjs",
    );
    const loaded = memoryRunbook(
      {
        "runbook.yaml": yaml`
          name: whole
          description: a plugin that is not there
          plugins: [./missing-plugin.mjs]
          artifacts:
            rows: { source: { type: test_source, properties: { root: /data } } }
        `,
      },
      { pluginError: loadError },
    );
    await expect(assemblePlan(loaded)).rejects.toBe(loadError);
  });

  it("checks the valid artifacts of a child runbook that fails its schema", async () => {
    // The output names "copy", which is invalid: not reported again as unknown.
    const diagnostics = await diagnosticsOf({
      "runbook.yaml": yaml`
        name: parent
        description: includes a broken child
        artifacts:
          data:
            source: { type: test_source, properties: { root: /data } }
          counted:
            inputs: data
            child_runbook: { path: child.yaml }
      `,
      "child.yaml": yaml`
        name: child
        description: broken child
        inputs:
          rows: { input_schema: rows }
        outputs:
          copied: { artifact: copy }
        artifacts:
          copy:
            inputs: rows
            merge: concatenate
          total:
            inputs: copy
            process: { type: count }
          extra:
            inputs: [rows, nowhere]
            process: { type: count }
      `,
    });
    expect(diagnostics.map((d) => [d.code, d.file, d.path, d.line])).toEqual([
      ["ERR_INVALID_COMBINATION", join(dir, "child.yaml"), "artifacts.copy.merge", 10],
      [PlanDiagnosticCode.UnknownArtifact, join(dir, "child.yaml"), "artifacts.extra.inputs.1", 15],
    ]);
  });

  it("does not follow the child runbook of an invalid directive", async () => {
    const diagnostics = await diagnosticsOf({
      "runbook.yaml": yaml`
        name: parent
        description: a directive with a typo
        artifacts:
          data:
            source: { type: test_source, properties: { root: /data } }
          counted:
            inputs: data
            child_runbook: { path: nowhere.yaml, ouput: total }
      `,
    });
    expect(summary(diagnostics)).toEqual([
      "ERR_UNKNOWN_KEY artifacts.counted.child_runbook.ouput 8",
    ]);
  });

  it("does not check a directive's mapping against a child whose inputs are invalid", async () => {
    const diagnostics = await diagnosticsOf({
      "runbook.yaml": yaml`
        name: parent
        description: includes a child with a broken interface
        artifacts:
          data:
            source: { type: test_source, properties: { root: /data } }
          counted:
            inputs: data
            child_runbook: { path: child.yaml, input_mapping: { rows: data } }
      `,
      "child.yaml": yaml`
        name: child
        description: input declaration with a typo
        inputs:
          rows: { input_shema: rows }
        outputs:
          total: { artifact: total }
        artifacts:
          total:
            inputs: rows
            process: { type: count }
      `,
    });
    expect(diagnostics.map((d) => [d.code, d.file, d.path])).toEqual([
      ["ERR_UNKNOWN_KEY", join(dir, "child.yaml"), "inputs.rows.input_shema"],
    ]);
  });

  it("reports every mistake of examples/broken.yaml", async () => {
    const example = fileURLToPath(new URL("../../../examples/broken.yaml", import.meta.url));
    const diagnostics = await diagnosticsOf(
      { "runbook.yaml": await readFile(example, "utf8") },
      { plugins: builtinLookalikes },
    );
    expect(diagnostics.map((d) => [d.line, d.code])).toEqual([
      [6, "ERR_UNKNOWN_KEY"],
      [11, PlanDiagnosticCode.InvalidProperties],
      [13, PlanDiagnosticCode.UnknownArtifact],
      [17, PlanDiagnosticCode.UnknownComponent],
      [19, "ERR_MISSING_ENV"],
    ]);
  });
});

const fileContent = { name: "file_content", version: "1.0.0" };

/** Stand-ins for the built-in plugins, with the same component types. */
const builtinLookalikes: LoadedPlugin[] = [
  {
    source: "inline",
    plugin: {
      name: "filesystem",
      connectors: [
        {
          type: "filesystem",
          description: "files of a folder",
          outputSchema: fileContent,
          properties: z.strictObject({
            path: z.string().min(1),
            max_files: z.number().int().positive().optional(),
          }),
          extract: async () => [],
        },
      ],
    } satisfies Plugin,
  },
  {
    source: "inline",
    plugin: {
      name: "personal-data",
      processors: [
        {
          type: "personal_data",
          description: "finds personal data",
          inputSchemas: [[fileContent]],
          outputSchema: { name: "personal_data_finding", version: "1.0.0" },
          process: async () => [],
        },
      ],
    } satisfies Plugin,
  },
];

describe("the load step of a runbook that fails its schema", () => {
  let disk: string;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    ({ dir: disk, cleanup } = await makeTempDir());
  });

  afterEach(async () => {
    await cleanup();
  });

  it("adds a plugin that cannot be loaded to the diagnostics instead of failing alone", async () => {
    await writeFiles(disk, {
      "runbook.yaml": yaml`
        name: partial
        description: a plugin that is not there
        plugins: [./missing-plugin.mjs]
        artifacts:
          rows:
            source: { type: test_source, properties: { root: /data } }
            output: maybe
      `,
    });
    const error = await rejection(
      planRunbook(join(disk, "runbook.yaml"), { plugins: testPlugins, env: {} }),
    );
    expect(error.diagnostics.map((d) => d.code)).toEqual(["ERR_PLUGIN_LOAD", "ERR_INVALID_VALUE"]);
  });
});
