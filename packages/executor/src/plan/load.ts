import { readFile, realpath, stat } from "node:fs/promises";
import { dirname, join, relative, resolve, sep } from "node:path";
import type { SchemaRef } from "@wct/plugin-api";
import { collectSubstitutedValues, parseRunbook } from "@wct/runbook-schema";
import { ExecutorError, ExecutorErrorCode } from "../errors.js";
import { maskThrown } from "../run/secrets.js";
import { reuseKey } from "./check.js";
import { type ChildSearchRoot, childPathProblem, resolveChildPath } from "./child-path.js";
import { DiagnosticList } from "./diagnostics.js";
import { flattenRunbook } from "./flatten.js";
import { importPluginFile, pluginSourceName, resolvePluginModule } from "./load-plugins.js";
import type {
  ChildLookup,
  LoadedRunbook,
  LoadedRunbookFile,
  ReuseLookup,
  RunbookFile,
  UnreadableChild,
} from "./loaded.js";
import { type ParseRunbookText, parsedFile } from "./loaded.js";
import { createRegistry, type LoadedPlugin } from "./registry.js";

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

/**
 * The effectful half of planning: reads the runbook at `runbookPath` and every child
 * runbook it reaches, imports the plugins the plan will use, and asks
 * `options.resolveReuse` for the schema of each `reuse` reference. Problems in the
 * runbooks are not reported here but kept for {@link assemblePlan}, which turns the
 * result into a plan without any I/O. A root runbook that cannot be read is
 * `ERR_RUNBOOK_NOT_FOUND`; a plugin that cannot be loaded is kept as `pluginError`; a
 * resolver error without a `code` is thrown as it is.
 */
export async function loadRunbook(
  runbookPath: string,
  options: PlanOptions = {},
): Promise<LoadedRunbook> {
  // Every file parsed (root and children) adds the values it substitutes; whatever is
  // reported or planned shows their placeholders instead.
  const secrets = new Map<string, string>();
  const env = options.env ?? process.env;
  const parse: ParseRunbookText = (text, file) => {
    collectSubstitutedValues(text, env, secrets);
    return parseRunbook(text, { file, env });
  };
  try {
    const root = await readRoot(runbookPath, parse);
    const loaded: LoadedRunbook = {
      root,
      children: new Map(),
      plugins: options.plugins ?? [],
      reuse: [],
      secrets,
    };
    if (root.runbook === undefined) return loaded;
    const children = new Map<string, LoadedRunbookFile | UnreadableChild>();
    await readChildren(root, {
      root,
      rootDisplayDir: dirname(runbookPath),
      templateRoots: (root.runbook.config?.template_paths ?? []).map((dir) => ({
        dir: resolve(root.baseDir, dir),
        label: `template path "${dir}"`,
      })),
      parse,
      children,
    });
    // Plugins and reuse references are those of the files and artifacts the plan
    // takes part in (a child past max_child_depth does not), which the pure
    // flattening knows; its problems are reported by assemblePlan.
    const flat = flattenRunbook({ ...loaded, children }, new DiagnosticList());
    const modules = await loadPluginsOf(
      options.pluginModules ?? [],
      options.cwd ?? process.cwd(),
      flat.files,
    );
    const plugins = [...(options.plugins ?? []), ...("error" in modules ? [] : modules.plugins)];
    const pluginError = "error" in modules ? modules.error : registryProblem(plugins);
    if (pluginError !== undefined) return { ...loaded, children, plugins, pluginError };
    const reuse = await resolveReuses(
      flat.artifacts.flatMap((artifact) =>
        artifact.kind === "reuse" && artifact.def.reuse ? [artifact.def.reuse] : [],
      ),
      options.resolveReuse,
    );
    return { ...loaded, children, plugins, reuse };
  } catch (error) {
    throw maskThrown(error, secrets);
  }
}

async function readRoot(runbookPath: string, parse: ParseRunbookText): Promise<LoadedRunbookFile> {
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
  const relPath = absPath.slice(dirname(absPath).length).replace(/^[\\/]+/, "");
  return parsedFile({ absPath, realPath, relPath, displayFile: runbookPath }, bytes, parse);
}

interface ReadContext {
  root: RunbookFile;
  /** Folder of the root runbook as the caller named it, for diagnostics' `file`. */
  rootDisplayDir: string;
  templateRoots: ChildSearchRoot[];
  parse: ParseRunbookText;
  children: Map<string, LoadedRunbookFile | UnreadableChild>;
}

/**
 * Looks up every `child_runbook.path` of `file`'s artifacts and reads, depth first,
 * each child found that is not read yet. Whether a child may be included (cycles,
 * depth, mappings) is for assembling to say; each file is read once, so this ends.
 */
async function readChildren(file: LoadedRunbookFile, context: ReadContext): Promise<void> {
  // Filled in here, once, while the file is being read; read-only from then on.
  const includes = file.includes as Map<string, ChildLookup>;
  for (const def of Object.values(file.runbook?.artifacts ?? {})) {
    const path = def.child_runbook?.path;
    if (path === undefined || def.inputs === undefined || includes.has(path)) continue;
    if (childPathProblem(path) !== undefined) continue;
    const found = await resolveChildPath(path, [
      { dir: file.baseDir, label: `the folder of ${file.relPath}` },
      ...context.templateRoots,
    ]);
    includes.set(path, found);
    if (found.status !== "found") continue;
    if (found.realPath === context.root.realPath || context.children.has(found.realPath)) continue;
    const child = await readChild(found.path, found.realPath, context);
    context.children.set(found.realPath, child);
    if (!("unreadable" in child)) await readChildren(child, context);
  }
}

async function readChild(
  absPath: string,
  realPath: string,
  context: ReadContext,
): Promise<LoadedRunbookFile | UnreadableChild> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(absPath);
  } catch {
    const isFolder = await stat(absPath).then(
      (s) => s.isDirectory(),
      () => false,
    );
    return { unreadable: true, absPath, isFolder };
  }
  const relPath = relative(context.root.baseDir, absPath).split(sep).join("/");
  const displayFile = join(context.rootDisplayDir, ...relPath.split("/"));
  return parsedFile({ absPath, realPath, relPath, displayFile }, bytes, context.parse);
}

/**
 * Imports `--plugin` modules (from the working folder), then each runbook's `plugins:`
 * (from its own folder, root first). A module reached twice is loaded once.
 */
async function loadPluginsOf(
  cliModules: ReadonlyArray<string>,
  cwd: string,
  files: ReadonlyArray<RunbookFile>,
): Promise<{ plugins: LoadedPlugin[] } | { error: ExecutorError }> {
  const requests: { specifier: string; fromDir: string }[] = [
    ...cliModules.map((specifier) => ({ specifier, fromDir: cwd })),
    ...files.flatMap((file) =>
      (file.runbook?.plugins ?? []).map((specifier) => ({ specifier, fromDir: file.baseDir })),
    ),
  ];
  const seen = new Set<string>();
  const plugins: LoadedPlugin[] = [];
  try {
    for (const { specifier, fromDir } of requests) {
      const path = resolvePluginModule(specifier, fromDir);
      if (seen.has(path)) continue;
      seen.add(path);
      plugins.push(await importPluginFile(path, pluginSourceName(specifier, path)));
    }
  } catch (error) {
    // Kept for assemblePlan, which reports it alone or (for a runbook that fails its
    // schema) among the runbook's problems; anything else is not a plugin problem.
    if (error instanceof ExecutorError) return { error };
    throw error;
  }
  return { plugins };
}

/** A type registered twice (`ERR_PLUGIN_DUPLICATE_TYPE`), found before asking the store. */
function registryProblem(plugins: ReadonlyArray<LoadedPlugin>): ExecutorError | undefined {
  try {
    createRegistry(plugins);
    return undefined;
  } catch (error) {
    if (error instanceof ExecutorError) return error;
    throw error;
  }
}

/** The schema of each distinct reference, or its coded error; without a resolver, none. */
async function resolveReuses(
  refs: ReadonlyArray<{ from_run: string; artifact: string }>,
  resolveReuse: PlanOptions["resolveReuse"],
): Promise<ReuseLookup[]> {
  if (resolveReuse === undefined) return [];
  const seen = new Set<string>();
  const lookups: ReuseLookup[] = [];
  for (const { from_run, artifact } of refs) {
    const key = reuseKey({ from_run, artifact });
    if (seen.has(key)) continue;
    seen.add(key);
    try {
      const schema = await resolveReuse({ from_run, artifact });
      lookups.push({ from_run, artifact, schema: { name: schema.name, version: schema.version } });
    } catch (error) {
      const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
      if (typeof code !== "string") throw error;
      lookups.push({
        from_run,
        artifact,
        error: typeof message === "string" ? { code, message } : { code },
      });
    }
  }
  return lookups;
}
