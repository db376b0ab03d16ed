import { join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import type { ArtifactDefinition, Runbook } from "@wct/runbook-schema";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { propertyRuns } from "../../../test-utils/property-runs.js";
import { ExecutorError, ExecutorErrorCode } from "../src/errors.js";
import { assemblePlan } from "../src/plan/assemble.js";
import { PlanDiagnosticCode } from "../src/plan/codes.js";
import type { ReuseLookup } from "../src/plan/loaded.js";
import { memoryRunbook, VIRTUAL_DIR } from "./fixtures/plan/memory.js";

const idArbitrary = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_-]{0,6}$/);
const sourceTypes = ["test_source", "other_source", "missing_source"];
const processTypes = ["count", "pair", "missing_processor"];

interface Shape {
  id: string;
  kind: "source" | "process" | "inputs" | "reuse";
  type: string;
  properties: Record<string, unknown>;
  /** Indices into ids (may point anywhere, cycles included) or dangling names. */
  inputs: (number | string)[];
}

const graphArbitrary = fc
  .uniqueArray(idArbitrary, { minLength: 1, maxLength: 12, selector: (id) => id.toLowerCase() })
  .chain((ids) =>
    fc.tuple(
      fc.constant(ids),
      fc.array(
        fc.record({
          kind: fc.constantFrom<Shape["kind"]>("source", "process", "inputs", "reuse"),
          sourceType: fc.constantFrom(...sourceTypes),
          processType: fc.constantFrom(...processTypes),
          properties: fc.oneof(
            fc.constant({ root: "/data" }),
            fc.constant({ root: 3 }),
            fc.constant({}),
            fc.record({ root: fc.string(), limit: fc.integer({ min: -2, max: 5 }) }),
          ),
          inputs: fc.array(
            fc.oneof(
              { weight: 5, arbitrary: fc.nat({ max: ids.length - 1 }) },
              { weight: 1, arbitrary: idArbitrary },
            ),
            { minLength: 1, maxLength: 3 },
          ),
        }),
        { minLength: ids.length, maxLength: ids.length },
      ),
    ),
  )
  .map(([ids, specs]) =>
    ids.map(
      (id, i): Shape => ({
        id,
        kind: specs[i]!.kind,
        type: specs[i]!.kind === "source" ? specs[i]!.sourceType : specs[i]!.processType,
        properties: specs[i]!.properties,
        inputs: specs[i]!.inputs,
      }),
    ),
  );

/** Random DAGs: each artifact takes inputs only from earlier ones, all components exist. */
const acyclicArbitrary = fc
  .uniqueArray(idArbitrary, { minLength: 1, maxLength: 15, selector: (id) => id.toLowerCase() })
  .chain((ids) =>
    fc.tuple(
      fc.constant(ids),
      fc.array(fc.array(fc.nat(), { minLength: 1, maxLength: 3 }), {
        minLength: ids.length,
        maxLength: ids.length,
      }),
    ),
  )
  .map(([ids, picks]) =>
    ids.map((id, i): Shape => {
      if (i === 0)
        return { id, kind: "source", type: "test_source", properties: { root: "/" }, inputs: [] };
      // Shuffle declaration relative to dependency order by reversing below.
      return { id, kind: "inputs", type: "", properties: {}, inputs: picks[i]!.map((p) => p % i) };
    }),
  );

function toRunbook(shapes: Shape[]): Runbook {
  const artifacts: Record<string, ArtifactDefinition> = {};
  for (const shape of shapes) {
    const inputs = shape.inputs.map((ref) => (typeof ref === "number" ? shapes[ref]!.id : ref));
    const base = { output: false, optional: false };
    switch (shape.kind) {
      case "source":
        artifacts[shape.id] = {
          ...base,
          source: { type: shape.type, properties: shape.properties },
        };
        break;
      case "process":
        artifacts[shape.id] = { ...base, inputs, process: { type: shape.type, properties: {} } };
        break;
      case "inputs":
        artifacts[shape.id] =
          inputs.length > 1 ? { ...base, inputs, merge: "concatenate" } : { ...base, inputs };
        break;
      case "reuse":
        artifacts[shape.id] = { ...base, reuse: { from_run: "run-1", artifact: shape.id } };
        break;
    }
  }
  return {
    name: "generated",
    description: "generated",
    config: { max_concurrency: 10, max_child_depth: 3, template_paths: [] },
    plugins: [],
    artifacts,
  };
}

function hasCycle(runbook: Runbook): boolean {
  const state = new Map<string, "visiting" | "done">();
  const visit = (id: string): boolean => {
    const current = state.get(id);
    if (current === "done") return false;
    if (current === "visiting") return true;
    state.set(id, "visiting");
    for (const input of runbook.artifacts[id]?.inputs ?? []) {
      if (input in runbook.artifacts && visit(input)) return true;
    }
    state.set(id, "done");
    return false;
  };
  return Object.keys(runbook.artifacts).some((id) => visit(id));
}

const knownCodes = new Set<string>([
  ...Object.values(PlanDiagnosticCode),
  "ERR_REUSE_RUN_NOT_FOUND",
]);

/** Plans a generated runbook; `withLookups`: what a store would say of its reuse references. */
function plan(runbook: Runbook, withLookups: boolean) {
  const reuse: ReuseLookup[] = [];
  for (const def of Object.values(runbook.artifacts)) {
    if (def.reuse === undefined || !withLookups) continue;
    const ref = { from_run: def.reuse.from_run, artifact: def.reuse.artifact };
    reuse.push(
      ref.artifact.length % 3 === 0
        ? { ...ref, error: { code: "ERR_REUSE_RUN_NOT_FOUND", message: "no such run" } }
        : { ...ref, schema: { name: "rows", version: "1.0.0" } },
    );
  }
  return assemblePlan(memoryRunbook({}, { rootRunbook: runbook, reuse }));
}

/** Plans the text of a generated runbook file, with positions, from memory. */
function planFile(text: string) {
  return assemblePlan(memoryRunbook({ "generated.yaml": text }, { root: "generated.yaml" }));
}

// One expect per property run, on the list of what is wrong: vitest's expect() costs
// more than the planner on these small graphs, and the list names every offender.
function expectTopological(artifacts: { id: string; inputs: string[] }[]): void {
  const position = new Map(artifacts.map((artifact, index) => [artifact.id, index]));
  expect(position.size).toBe(artifacts.length);
  const late = artifacts.flatMap((artifact, index) =>
    artifact.inputs
      .filter((input) => !((position.get(input) ?? Number.POSITIVE_INFINITY) < index))
      .map((input) => `${input} (input of ${artifact.id})`),
  );
  expect(late, "inputs planned after the artifact that reads them").toEqual([]);
}

describe("planner on random graphs", () => {
  it("returns a plan or throws ERR_RUNBOOK_INVALID with diagnostics, and finds every cycle", async () => {
    await fc.assert(
      fc.asyncProperty(graphArbitrary, fc.boolean(), async (shapes, withLookups) => {
        const runbook = toRunbook(shapes);
        const cyclic = hasCycle(runbook);
        let result: Awaited<ReturnType<typeof plan>> | undefined;
        try {
          result = await plan(runbook, withLookups);
        } catch (error) {
          expect(error).toBeInstanceOf(ExecutorError);
          const executorError = error as ExecutorError;
          expect(executorError.code).toBe(ExecutorErrorCode.RunbookInvalid);
          expect(executorError.diagnostics.length).toBeGreaterThan(0);
          expect(executorError.diagnostics.filter((d) => !knownCodes.has(d.code))).toEqual([]);
          const cycleReported = executorError.diagnostics.some(
            (d) => d.code === PlanDiagnosticCode.DependencyCycle,
          );
          expect(cycleReported).toBe(cyclic);
          return;
        }
        expect(cyclic).toBe(false);
        expect(result.plan.artifacts).toHaveLength(Object.keys(runbook.artifacts).length);
        expectTopological(result.plan.artifacts);
      }),
      propertyRuns(500),
    );
  });

  it("plans every acyclic graph of known components in a topological order", async () => {
    await fc.assert(
      fc.asyncProperty(acyclicArbitrary, fc.boolean(), async (shapes, reverse) => {
        const declared = reverse ? [...shapes].reverse() : shapes;
        const runbook = toRunbook(
          declared.map((shape) => ({
            ...shape,
            inputs: shape.inputs.map((ref) => (typeof ref === "number" ? shapes[ref]!.id : ref)),
          })),
        );
        const { plan: result } = await plan(runbook, false);
        expect(result.artifacts.map((a) => a.id).sort()).toEqual(shapes.map((s) => s.id).sort());
        expectTopological(result.artifacts);
        expect(
          result.artifacts.filter(
            (a) => !isDeepStrictEqual(a.schema, { name: "rows", version: "1.0.0" }),
          ),
        ).toEqual([]);
      }),
      propertyRuns(200),
    );
  });
});

describe("planner on random runbook files", () => {
  const path = join(VIRTUAL_DIR, "generated.yaml");

  it("parses and plans generated files, or reports diagnostics with positions", async () => {
    await fc.assert(
      fc.asyncProperty(graphArbitrary, async (shapes) => {
        const runbook = toRunbook(shapes);
        // JSON is YAML: the real parser reads it, with positions.
        const { config: _config, plugins: _plugins, ...written } = runbook;
        let planned: Awaited<ReturnType<typeof planFile>> | undefined;
        try {
          planned = await planFile(JSON.stringify(written, null, 2));
        } catch (error) {
          expect(error).toBeInstanceOf(ExecutorError);
          const executorError = error as ExecutorError;
          expect(executorError.code).toBe(ExecutorErrorCode.RunbookInvalid);
          expect(executorError.diagnostics.length).toBeGreaterThan(0);
          const planCodes: string[] = Object.values(PlanDiagnosticCode);
          const unplaced = executorError.diagnostics.filter(
            (d) =>
              d.file !== path ||
              !/^ERR_[A-Z_]+$/.test(d.code) ||
              (planCodes.includes(d.code) && !(d.line > 0)),
          );
          expect(unplaced, `diagnostics not in ${path} with a code and line`).toEqual([]);
          return;
        }
        expect(hasCycle(runbook)).toBe(false);
        expectTopological(planned.plan.artifacts);
      }),
      propertyRuns(100),
    );
  });

  it("reports a schema mistake with the planner's problems, never a reference to it as unknown", async () => {
    await fc.assert(
      fc.asyncProperty(graphArbitrary, fc.nat(), async (shapes, pick) => {
        const runbook = toRunbook(shapes);
        const brokenId = shapes[pick % shapes.length]!.id;
        const { config: _config, plugins: _plugins, ...written } = runbook;
        const artifacts = {
          ...written.artifacts,
          [brokenId]: { ...written.artifacts[brokenId], bogus: 1 },
        };
        let error: unknown;
        try {
          await planFile(JSON.stringify({ ...written, artifacts }, null, 2));
        } catch (caught) {
          error = caught;
        }
        expect(error).toBeInstanceOf(ExecutorError);
        const diagnostics = (error as ExecutorError).diagnostics;
        expect((error as ExecutorError).code).toBe(ExecutorErrorCode.RunbookInvalid);
        expect(diagnostics.map((d) => `${d.code} ${d.path}`)).toContain(
          `ERR_UNKNOWN_KEY artifacts.${brokenId}.bogus`,
        );
        // What the file says wrong without the mistake (an unterminated "${" in a
        // property, say) is still said with it.
        const unbroken = new Set<string>();
        try {
          await planFile(JSON.stringify(written, null, 2));
        } catch (caught) {
          for (const d of (caught as ExecutorError).diagnostics)
            unbroken.add(`${d.code} ${d.path}`);
        }
        for (const diagnostic of diagnostics) {
          expect(diagnostic.file).toBe(path);
          if (diagnostic.code === PlanDiagnosticCode.UnknownArtifact) {
            expect(diagnostic.message).not.toContain(`no artifact "${brokenId}"`);
          }
          // The broken artifact's inputs are still checked: only a truly unknown one shows.
          const inputOfBroken = new RegExp(`^artifacts\\.${brokenId}\\.inputs\\.(\\d+)$`).exec(
            diagnostic.path,
          );
          if (inputOfBroken !== null && diagnostic.code === PlanDiagnosticCode.UnknownArtifact) {
            const written = artifacts[brokenId] as { inputs?: string[] };
            const ref = written.inputs?.[Number(inputOfBroken[1])];
            expect(ref).toBeDefined();
            expect(Object.keys(artifacts)).not.toContain(ref);
          } else if (
            diagnostic.code !== "ERR_UNKNOWN_KEY" &&
            !unbroken.has(`${diagnostic.code} ${diagnostic.path}`)
          ) {
            expect(diagnostic.path.startsWith(`artifacts.${brokenId}.`)).toBe(false);
          }
        }
      }),
      propertyRuns(70),
    );
  });
});
