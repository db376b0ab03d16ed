import { createHash } from "node:crypto";
import { readFile, realpath } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import type { SchemaRef } from "@wct/plugin-api";
import {
  CONFIG_DEFAULTS,
  collectSubstitutedValues,
  type Diagnostic,
  formatDiagnostic,
  type PositionLookup,
  parseRunbook,
  type Runbook,
} from "@wct/runbook-schema";
import { ExecutorError, ExecutorErrorCode } from "../errors.js";
import { maskThrown } from "../run/secrets.js";
import type { Plan, PlanFile, PlannedArtifact } from "../types.js";
import { checkComponents, checkSchemas, type ReuseResolver } from "./check.js";
import { PlanDiagnosticCode } from "./codes.js";
import { decodeRunbook } from "./decode.js";
import { DiagnosticList } from "./diagnostics.js";
import {
  type FlatArtifact,
  flattenRunbook,
  type ParseRunbook,
  partialFileOf,
  type RunbookFile,
} from "./flatten.js";
import { findCycles, topologicalOrder } from "./graph.js";
import { importPluginFile, pluginSourceName, resolvePluginModule } from "./load-plugins.js";
import { type ComponentRegistry, createRegistry, type LoadedPlugin } from "./registry.js";

export interface PlanOptions {
  /** Plugins the caller already has (e.g. built-ins); registered first. */
  plugins?: LoadedPlugin[];
  /** `--plugin` module specifiers, resolved from `cwd`; registered next. */
  pluginModules?: string[];
  /** Folder `pluginModules` resolve from; default `process.cwd()`. */
  cwd?: string;
  /** Variables for `${VAR}` substitution; default `process.env`. */
  env?: Record<string, string | undefined>;
  /**
   * Schema of a completed artifact of an earlier run, for `reuse:` artifacts. Throws an
   * error with a `code` (`ERR_REUSE_RUN_NOT_FOUND`, `ERR_REUSE_ARTIFACT_NOT_FOUND`) when
   * it cannot be reused. Without it, reused artifacts plan with schema `null`.
   */
  resolveReuse?: (ref: { from_run: string; artifact: string }) => Promise<SchemaRef>;
}

export interface PlanResult {
  plan: Plan;
  /** The components the plan was checked against; the run uses the same ones. */
  registry: ComponentRegistry;
}

/**
 * Reads a runbook and every child runbook it includes, loads plugins, checks
 * everything and returns a deterministic plan. Reports every problem at once as an
 * `ERR_RUNBOOK_INVALID` {@link ExecutorError} with `diagnostics`; a root runbook that
 * cannot be read is `ERR_RUNBOOK_NOT_FOUND`; plugin problems are `ERR_PLUGIN_LOAD`,
 * `ERR_PLUGIN_SHAPE` or `ERR_PLUGIN_DUPLICATE_TYPE`. It reads files and imports
 * plugin modules, nothing else.
 *
 * A runbook that fails its schema is still checked as far as its valid parts allow
 * (references, components, properties, schemas, cycles), so that all of its problems
 * come back in one `ERR_RUNBOOK_INVALID`; it never yields a plan.
 */
export async function planRunbook(
  runbookPath: string,
  options: PlanOptions = {},
): Promise<PlanResult> {
  // Every file parsed (root and children) adds the values it substitutes; whatever is
  // reported or planned shows their placeholders instead.
  const secrets = new Map<string, string>();
  const env = options.env ?? process.env;
  const parse: ParseRunbook = (text, parseOptions) => {
    collectSubstitutedValues(text, parseOptions.env ?? env, secrets);
    return parseRunbook(text, parseOptions);
  };
  try {
    const result = await planRunbookWith(runbookPath, options, parse);
    return secrets.size === 0 ? result : { ...result, plan: { ...result.plan, secrets } };
  } catch (error) {
    throw maskThrown(error, secrets);
  }
}

/** {@link planRunbook} with the parser given: a seam for tests. */
export async function planRunbookWith(
  runbookPath: string,
  options: PlanOptions,
  parse: ParseRunbook,
): Promise<PlanResult> {
  const absPath = resolve(runbookPath);
  let bytes: Uint8Array;
  let realPath: string;
  try {
    bytes = await readFile(absPath);
    realPath = await realpath(absPath);
  } catch (error) {
    throw new ExecutorError(
      ExecutorErrorCode.RunbookNotFound,
      `Cannot read runbook ${runbookPath}: ${(error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : error instanceof Error ? error.message : String(error)}. Check the path.`,
      { details: { runbook_path: absPath }, cause: error },
    );
  }
  const decoded = decodeRunbook(bytes, runbookPath);
  if ("diagnostic" in decoded) throw invalid(runbookPath, [decoded.diagnostic]);
  const text = decoded.text;
  const parsed = parse(text, { file: runbookPath, env: options.env });
  const root: RunbookFile = {
    absPath,
    realPath,
    relPath: basenameOf(absPath),
    baseDir: dirname(absPath),
    bytes,
    text,
    displayFile: runbookPath,
    locate: parsed.locate,
  };
  if (!parsed.ok) {
    const partial = partialFileOf(parsed);
    if (partial === undefined || parsed.partial === undefined) {
      throw invalid(runbookPath, parsed.diagnostics);
    }
    return planFromRoot(
      { ...root, runbook: parsed.partial.runbook, partial },
      options,
      parse,
      dirname(runbookPath),
      parsed.diagnostics,
    );
  }
  return planFromRoot({ ...root, runbook: parsed.runbook }, options, parse, dirname(runbookPath));
}

/**
 * Plans an already-parsed root runbook (child runbooks, if any, are read from disk
 * relative to `path` and parsed with `parse`). A seam for tests: property tests feed
 * generated runbooks here without writing them out.
 */
export async function planParsedRunbook(
  root: { path: string; text: string; runbook: Runbook; locate?: PositionLookup },
  options: PlanOptions & { parse?: ParseRunbook } = {},
): Promise<PlanResult> {
  const absPath = resolve(root.path);
  const file: RunbookFile & { runbook: Runbook } = {
    absPath,
    realPath: absPath,
    relPath: basenameOf(absPath),
    baseDir: dirname(absPath),
    bytes: Buffer.from(root.text, "utf8"),
    text: root.text,
    displayFile: root.path,
    locate: root.locate ?? (() => undefined),
    runbook: root.runbook,
  };
  return planFromRoot(file, options, options.parse ?? parseRunbook, dirname(root.path));
}

async function planFromRoot(
  root: RunbookFile & { runbook: Runbook },
  options: PlanOptions,
  parse: ParseRunbook,
  rootDisplayDir: string,
  parseDiagnostics: ReadonlyArray<Diagnostic> = [],
): Promise<PlanResult> {
  const diagnostics = new DiagnosticList();
  diagnostics.push(...parseDiagnostics);
  const flat = await flattenRunbook(root, {
    parse,
    env: options.env,
    rootDisplayDir,
    diagnostics,
  });
  const partial = flat.files.some((file) => file.partial !== undefined);
  let registry: ComponentRegistry;
  try {
    registry = createRegistry([
      ...(options.plugins ?? []),
      ...(await loadRunbookPlugins(
        options.pluginModules ?? [],
        options.cwd ?? process.cwd(),
        flat.files,
      )),
    ]);
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
  const order = topologicalOrder(edges);
  const schemas = await checkSchemas(
    artifacts,
    order,
    registry,
    options.resolveReuse as ReuseResolver | undefined,
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
  const config = root.runbook.config;
  const plan: Plan = {
    name: root.runbook.name,
    description: root.runbook.description,
    ...(root.runbook.contact === undefined ? {} : { contact: root.runbook.contact }),
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

/**
 * Loads `--plugin` modules (from the working folder), then each runbook's `plugins:`
 * (from its own folder, root first). A module reached twice is loaded once.
 */
async function loadRunbookPlugins(
  cliModules: ReadonlyArray<string>,
  cwd: string,
  files: ReadonlyArray<RunbookFile>,
): Promise<LoadedPlugin[]> {
  const requests: { specifier: string; fromDir: string }[] = [
    ...cliModules.map((specifier) => ({ specifier, fromDir: cwd })),
    ...files.flatMap((file) =>
      (file.runbook?.plugins ?? []).map((specifier) => ({ specifier, fromDir: file.baseDir })),
    ),
  ];
  const seen = new Set<string>();
  const loaded: LoadedPlugin[] = [];
  for (const { specifier, fromDir } of requests) {
    const path = resolvePluginModule(specifier, fromDir);
    if (seen.has(path)) continue;
    seen.add(path);
    loaded.push(await importPluginFile(path, pluginSourceName(specifier, path)));
  }
  return loaded;
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

function basenameOf(path: string): string {
  return path.slice(dirname(path).length).replace(/^[\\/]+/, "");
}
