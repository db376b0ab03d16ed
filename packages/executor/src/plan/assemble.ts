import { createHash } from "node:crypto";
import type { SchemaRef } from "@wct/plugin-api";
import { CONFIG_DEFAULTS, type Diagnostic, formatDiagnostic } from "@wct/runbook-schema";
import { ExecutorError, ExecutorErrorCode } from "../errors.js";
import { maskThrown } from "../run/secrets.js";
import type { Plan, PlanFile, PlannedArtifact } from "../types.js";
import { checkComponents, checkSchemas } from "./check.js";
import { PlanDiagnosticCode } from "./codes.js";
import { DiagnosticList } from "./diagnostics.js";
import { type FlatArtifact, flattenRunbook } from "./flatten.js";
import { findCycles, topologicalOrder } from "./graph.js";
import type { LoadedRunbook, RunbookFile } from "./loaded.js";
import { type ComponentRegistry, createRegistry } from "./registry.js";

export interface PlanResult {
  plan: Plan;
  /** The components the plan was checked against; the run uses the same ones. */
  registry: ComponentRegistry;
}

/**
 * The pure half of planning: inlines the child runbooks of `loaded`, checks references,
 * components, properties, schemas and cycles, and returns a deterministic plan. It does
 * no I/O (no files, no store, no imports): everything comes from `loaded`, as
 * {@link loadRunbook} read it or as a test builds it. Asynchronous only because a
 * component's properties schema may validate asynchronously.
 *
 * Every problem is reported at once as an `ERR_RUNBOOK_INVALID` {@link ExecutorError}
 * with `diagnostics`; `loaded.pluginError` (or a type two plugins register) is thrown
 * as it is. A runbook that fails its schema is still checked as far as its valid parts
 * allow, so that all of its problems come back together; it never yields a plan.
 */
export async function assemblePlan(loaded: LoadedRunbook): Promise<PlanResult> {
  try {
    const result = await assemble(loaded);
    return loaded.secrets.size === 0
      ? result
      : { ...result, plan: { ...result.plan, secrets: loaded.secrets } };
  } catch (error) {
    throw maskThrown(error, loaded.secrets);
  }
}

async function assemble(loaded: LoadedRunbook): Promise<PlanResult> {
  const root = loaded.root;
  const runbook = root.runbook;
  if (runbook === undefined) throw invalid(root.displayFile, [...root.diagnostics]);
  const diagnostics = new DiagnosticList();
  diagnostics.push(...root.diagnostics);
  const flat = flattenRunbook(loaded, diagnostics);
  const partial = flat.files.some((file) => file.partial !== undefined);
  let registry: ComponentRegistry;
  try {
    if (loaded.pluginError !== undefined) throw loaded.pluginError;
    registry = createRegistry(loaded.plugins);
  } catch (error) {
    // A partial parse ends in ERR_RUNBOOK_INVALID whatever else goes wrong: the plugin
    // problem joins the others, and the checks that need components are skipped.
    if (!partial || !(error instanceof ExecutorError)) throw error;
    diagnostics.push({
      code: error.code,
      message: error.message,
      file: root.displayFile,
      line: 0,
      column: 0,
      path: "",
    });
    throw invalid(root.displayFile, sortByFile(dedupe(diagnostics.items), flat.files));
  }
  const artifacts = flat.artifacts;
  // With a plugins list not as written, a type no plugin provides may just be unloaded.
  const pluginsIncomplete = flat.files.some((file) => file.partial?.invalidFields.has("plugins"));
  const properties = await checkComponents(artifacts, registry, diagnostics, {
    reportUnknown: !pluginsIncomplete,
  });
  const order = orderArtifacts(artifacts, diagnostics);
  const schemas = checkSchemas(
    artifacts,
    order,
    registry,
    loaded.reuse,
    flat.inputSchemaExpectations,
    diagnostics,
  );

  if (diagnostics.size > 0 || partial)
    throw invalid(root.displayFile, sortByFile(dedupe(diagnostics.items), flat.files));

  const files: PlanFile[] = flat.files.map((file) => ({
    path: file.relPath,
    sha256: `sha256:${createHash("sha256").update(file.bytes).digest("hex")}`,
    text: file.text,
  }));
  const config = runbook.config;
  const plan: Plan = {
    name: runbook.name,
    description: runbook.description,
    ...(runbook.contact === undefined ? {} : { contact: runbook.contact }),
    runbookPath: root.absPath,
    runbookHash: runbookHash(flat.files.map((file) => file.bytes)),
    files,
    config: {
      ...(config?.timeout === undefined ? {} : { timeout: config.timeout }),
      maxConcurrency: config?.max_concurrency ?? CONFIG_DEFAULTS.max_concurrency,
      maxChildDepth: config?.max_child_depth ?? CONFIG_DEFAULTS.max_child_depth,
    },
    depth: flat.depth,
    artifacts: order.map((index) => {
      const artifact = artifacts[index]!;
      const schema = schemas.get(artifact.id);
      return plannedArtifact(
        artifact,
        properties.get(artifact.id) ?? {},
        schema === "broken" || schema === undefined ? null : schema,
      );
    }),
  };
  return { plan, registry };
}

/**
 * A deterministic topological order of the artifacts (indices); the artifacts on a
 * cycle are left out, and each cycle is reported with its path.
 */
function orderArtifacts(
  artifacts: ReadonlyArray<FlatArtifact>,
  diagnostics: DiagnosticList,
): number[] {
  const indexById = new Map<string, number>();
  artifacts.forEach((artifact, index) => {
    if (!indexById.has(artifact.id)) indexById.set(artifact.id, index);
  });
  const edges = artifacts.map((artifact) =>
    artifact.inputs.map((id) => indexById.get(id)).filter((index) => index !== undefined),
  );
  for (const cycle of findCycles(edges)) {
    const first = artifacts[cycle[0]!]!;
    const names = [...cycle, cycle[0]!].map((index) => artifacts[index]!.id);
    diagnostics.add(
      first.file,
      PlanDiagnosticCode.DependencyCycle,
      `Artifacts depend on each other in a cycle: ${names.join(" -> ")} (each is an input of the next).`,
      `artifacts.${first.localId}.inputs`,
      "remove one of these inputs",
    );
  }
  return topologicalOrder(edges);
}

/**
 * `sha256:` + hex SHA-256 over, for each file in order, its byte length in decimal
 * ASCII, a line feed, then its bytes. The length prefix makes the concatenation
 * unambiguous: moving bytes from one file to the next changes the hash.
 */
export function runbookHash(files: ReadonlyArray<Uint8Array>): string {
  const hash = createHash("sha256");
  for (const bytes of files) {
    hash.update(`${bytes.byteLength}\n`);
    hash.update(bytes);
  }
  return `sha256:${hash.digest("hex")}`;
}

function plannedArtifact(
  artifact: FlatArtifact,
  properties: Record<string, unknown>,
  schema: SchemaRef | null,
): PlannedArtifact {
  const def = artifact.def;
  const component =
    artifact.kind === "source"
      ? def.source?.type
      : artifact.kind === "process"
        ? def.process?.type
        : undefined;
  return {
    id: artifact.id,
    ...(def.name === undefined ? {} : { name: def.name }),
    ...(def.description === undefined ? {} : { description: def.description }),
    ...(def.contact === undefined ? {} : { contact: def.contact }),
    kind: artifact.kind,
    ...(component === undefined ? {} : { component }),
    properties,
    inputs: [...artifact.inputs],
    schema: schema === null ? null : { name: schema.name, version: schema.version },
    output: def.output ?? false,
    optional: def.optional ?? false,
    ...(def.timeout === undefined ? {} : { timeout: def.timeout }),
    ...(artifact.kind === "reuse" && def.reuse
      ? { reuse: { from_run: def.reuse.from_run, artifact: def.reuse.artifact } }
      : {}),
    origin: { file: artifact.file.relPath, artifact: artifact.localId },
    baseDir: artifact.file.baseDir,
  };
}

function invalid(file: string, diagnostics: Diagnostic[]): ExecutorError {
  const count = diagnostics.length;
  const lines = diagnostics.map((d) => `  ${formatDiagnostic(d).replace(/\n/g, "\n  ")}`);
  return new ExecutorError(
    ExecutorErrorCode.RunbookInvalid,
    `Runbook ${file} is invalid (${count} problem${count === 1 ? "" : "s"}):\n${lines.join("\n")}`,
    { diagnostics },
  );
}

function dedupe(diagnostics: ReadonlyArray<Diagnostic>): Diagnostic[] {
  const seen = new Set<string>();
  return diagnostics.filter((d) => {
    const key = JSON.stringify([d.code, d.file, d.line, d.column, d.path, d.message]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Root file first, then children in inclusion order; by position within a file. */
function sortByFile(diagnostics: Diagnostic[], files: ReadonlyArray<RunbookFile>): Diagnostic[] {
  const rank = new Map<string, number>();
  files.forEach((file, index) => {
    if (!rank.has(file.displayFile)) rank.set(file.displayFile, index);
  });
  const rankOf = (d: Diagnostic) => rank.get(d.file) ?? files.length;
  return diagnostics
    .map((d, index) => ({ d, index }))
    .sort(
      (a, b) =>
        rankOf(a.d) - rankOf(b.d) ||
        a.d.line - b.d.line ||
        a.d.column - b.d.column ||
        a.index - b.index,
    )
    .map(({ d }) => d);
}
