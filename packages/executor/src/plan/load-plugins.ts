import { stat } from "node:fs/promises";
import { isAbsolute, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Plugin } from "@wct/plugin-api";
import { moduleResolve } from "import-meta-resolve";
import { ExecutorError, ExecutorErrorCode } from "../errors.js";
import { pluginShapeProblems } from "./plugin-shape.js";
import type { LoadedPlugin } from "./registry.js";

/** A module specifier that is a path (resolved from a folder) rather than a package name. */
export function isPathSpecifier(specifier: string): boolean {
  return (
    specifier.startsWith("./") ||
    specifier.startsWith("../") ||
    specifier === "." ||
    specifier === ".." ||
    specifier.startsWith("file:") ||
    isAbsolute(specifier)
  );
}

/**
 * Resolves a plugin module specifier to an absolute file path. Paths (`./x.js`,
 * `../y/index.js`, absolute, `file:` URLs) resolve from `fromDir`; package names
 * resolve exactly as Node's `import` would from a module in `fromDir` (`exports` with
 * subpath patterns and the `node` / `import` conditions, then `main`).
 * Throws `ERR_PLUGIN_LOAD` when nothing is found.
 */
export function resolvePluginModule(specifier: string, fromDir: string): string {
  if (specifier.startsWith("file:")) return fileURLToPath(specifier);
  if (isPathSpecifier(specifier)) return resolve(fromDir, specifier);
  let url: URL;
  try {
    url = moduleResolve(
      specifier,
      pathToFileURL(join(resolve(fromDir), "noop.js")),
      IMPORT_CONDITIONS,
    );
  } catch (error) {
    throw new ExecutorError(
      ExecutorErrorCode.PluginLoad,
      `Cannot load plugin "${specifier}": no such package found from ${fromDir} (${messageOf(error)}). Install it, or give a relative path such as "./plugins/${specifier}.js".`,
      { details: { module: specifier, from: fromDir }, cause: error },
    );
  }
  if (url.protocol !== "file:") {
    throw new ExecutorError(
      ExecutorErrorCode.PluginLoad,
      `Cannot load plugin "${specifier}": it resolves to ${url.href}, not to a file. Name a plugin package or module file.`,
      { details: { module: specifier, from: fromDir } },
    );
  }
  return fileURLToPath(url);
}

// The conditions Node's own `import` uses.
const IMPORT_CONDITIONS = new Set(["node", "import"]);

/**
 * Imports plugin modules and checks their shape. Each module's default export (or its
 * namespace, when that has `name` and `connectors`/`processors`) must be a
 * {@link Plugin}. Import failures are `ERR_PLUGIN_LOAD`, wrong shapes
 * `ERR_PLUGIN_SHAPE`; both name the module. Modules load in order, one at a time.
 */
export async function loadPluginModules(
  specifiers: ReadonlyArray<string>,
  fromDir: string,
): Promise<LoadedPlugin[]> {
  const loaded: LoadedPlugin[] = [];
  for (const specifier of specifiers) {
    const path = resolvePluginModule(specifier, fromDir);
    loaded.push(await importPluginFile(path, pluginSourceName(specifier, path)));
  }
  return loaded;
}

/** How a loaded module is named in messages: a package name as given, a path resolved. */
export function pluginSourceName(specifier: string, resolvedPath: string): string {
  return isPathSpecifier(specifier) ? resolvedPath : specifier;
}

/** Imports one resolved plugin file and validates its shape. */
export async function importPluginFile(path: string, source: string): Promise<LoadedPlugin> {
  // Checked first: Node's own message for a missing file names wct's loader, not the plugin.
  const kind = await stat(path).then(
    (s) => (s.isFile() ? "file" : "not a file"),
    () => "missing",
  );
  if (kind !== "file") {
    throw new ExecutorError(
      ExecutorErrorCode.PluginLoad,
      `Cannot load plugin "${source}": ${path} ${kind === "missing" ? "does not exist" : "is not a file"}. Check the path in "plugins" / --plugin (relative paths start from the runbook's folder, or the working folder for --plugin).`,
      { details: { module: source, path } },
    );
  }
  let namespace: Record<string, unknown>;
  try {
    namespace = (await import(/* @vite-ignore */ pathToFileURL(path).href)) as Record<
      string,
      unknown
    >;
  } catch (error) {
    throw new ExecutorError(
      ExecutorErrorCode.PluginLoad,
      `Cannot load plugin "${source}" (${path}): ${messageOf(error)}. Fix the module or remove it from "plugins" / --plugin.`,
      { details: { module: source, path }, cause: error },
    );
  }
  const candidate =
    namespace.default !== undefined && namespace.default !== null
      ? namespace.default
      : looksLikePlugin(namespace)
        ? { ...namespace }
        : namespace.default;
  return { plugin: validatePluginShape(candidate, source), source };
}

function looksLikePlugin(value: Record<string, unknown>): boolean {
  return typeof value.name === "string" && ("connectors" in value || "processors" in value);
}

/**
 * Checks that `value` is a plain object of the {@link Plugin} shape and returns it.
 * Otherwise throws `ERR_PLUGIN_SHAPE` naming `source` and listing every problem with
 * its dot path (in `details.problems` too). Used for modules and built-in plugins alike.
 */
export function validatePluginShape(value: unknown, source: string): Plugin {
  const problems = pluginShapeProblems(value);
  if (problems.length > 0) {
    const lines = problems.map((p) => `  - ${p.path === "" ? "" : `${p.path}: `}${p.message}`);
    throw new ExecutorError(
      ExecutorErrorCode.PluginShape,
      `Plugin "${source}" does not have the plugin shape:\n${lines.join("\n")}\nSee "Writing a plugin" for the expected default export.`,
      { details: { module: source, problems } },
    );
  }
  return value as Plugin;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
