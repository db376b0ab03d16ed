import { existsSync, readFileSync, statSync } from "node:fs";
import { stat } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Plugin } from "@wct/plugin-api";
import { ExecutorError, ExecutorErrorCode } from "../errors.js";
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
 * resolve like `require.resolve` from `fromDir`, falling back to the package's
 * `exports` (`import` / `node` / `default` conditions) for ESM-only packages.
 * Throws `ERR_PLUGIN_LOAD` when nothing is found.
 */
export function resolvePluginModule(specifier: string, fromDir: string): string {
  if (specifier.startsWith("file:")) return fileURLToPath(specifier);
  if (isPathSpecifier(specifier)) return resolve(fromDir, specifier);
  const require = createRequire(join(fromDir, "noop.js"));
  let requireError: unknown;
  try {
    return require.resolve(specifier);
  } catch (error) {
    requireError = error;
  }
  const viaExports = resolveEsmPackage(specifier, fromDir);
  if (viaExports !== undefined) return viaExports;
  throw new ExecutorError(
    ExecutorErrorCode.PluginLoad,
    `Cannot load plugin "${specifier}": no such package found from ${fromDir} (${messageOf(requireError)}). Install it, or give a relative path such as "./plugins/${specifier}.js".`,
    { details: { module: specifier, from: fromDir }, cause: requireError },
  );
}

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
 * Otherwise throws `ERR_PLUGIN_SHAPE` naming `source` and listing every problem
 * (in `details.problems` too). Used for modules and for built-in plugins alike.
 */
export function validatePluginShape(value: unknown, source: string): Plugin {
  const problems: string[] = [];
  if (!isPlainObject(value)) {
    problems.push(
      value === undefined
        ? "the module has no default export"
        : `the default export must be a plain object, got ${describeValue(value)}`,
    );
  } else {
    if (typeof value.name !== "string" || value.name === "") {
      problems.push("name must be a non-empty string");
    }
    if (value.version !== undefined && typeof value.version !== "string") {
      problems.push("version must be a string when given");
    }
    if (value.connectors === undefined && value.processors === undefined) {
      problems.push("the plugin declares neither connectors nor processors");
    }
    checkComponents(value.connectors, "connectors", problems, (item, at) => {
      checkFunction(item.extract, `${at}.extract`, problems);
    });
    checkComponents(value.processors, "processors", problems, (item, at) => {
      checkFunction(item.process, `${at}.process`, problems);
      if (!Array.isArray(item.inputSchemas)) {
        problems.push(`${at}.inputSchemas must be an array of arrays of {name, version}`);
      } else {
        item.inputSchemas.forEach((combination, i) => {
          if (!Array.isArray(combination)) {
            problems.push(`${at}.inputSchemas[${i}] must be an array of {name, version}`);
            return;
          }
          combination.forEach((ref, j) => {
            checkSchemaRef(ref, `${at}.inputSchemas[${i}][${j}]`, problems);
          });
        });
      }
    });
  }
  if (problems.length > 0) {
    throw new ExecutorError(
      ExecutorErrorCode.PluginShape,
      `Plugin "${source}" does not have the plugin shape:\n${problems.map((p) => `  - ${p}`).join("\n")}\nSee "Writing a plugin" for the expected default export.`,
      { details: { module: source, problems } },
    );
  }
  return value as unknown as Plugin;
}

function checkComponents(
  list: unknown,
  key: string,
  problems: string[],
  more: (item: Record<string, unknown>, at: string) => void,
): void {
  if (list === undefined) return;
  if (!Array.isArray(list)) {
    problems.push(`${key} must be an array, got ${describeValue(list)}`);
    return;
  }
  list.forEach((item, i) => {
    const at = `${key}[${i}]`;
    if (!isObject(item)) {
      problems.push(`${at} must be an object, got ${describeValue(item)}`);
      return;
    }
    const label = typeof item.type === "string" ? `${at} ("${item.type}")` : at;
    if (typeof item.type !== "string" || item.type === "") {
      problems.push(`${at}.type must be a non-empty string`);
    }
    if (typeof item.description !== "string") {
      problems.push(`${label}.description must be a string`);
    }
    checkSchemaRef(item.outputSchema, `${label}.outputSchema`, problems);
    if (item.properties !== undefined) {
      if (!isObject(item.properties) || typeof item.properties.safeParse !== "function") {
        problems.push(`${label}.properties must be a schema with a safeParse function (e.g. zod)`);
      }
    }
    more(item, label);
  });
}

function checkSchemaRef(value: unknown, at: string, problems: string[]): void {
  if (!isObject(value) || typeof value.name !== "string" || typeof value.version !== "string") {
    problems.push(`${at} must be {name: string, version: string}`);
  }
}

function checkFunction(value: unknown, at: string, problems: string[]): void {
  if (typeof value !== "function") problems.push(`${at} must be a function`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (!isObject(value) || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return `an instance of ${value.constructor?.name ?? "object"}`;
  return typeof value;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Finds an ESM-only package (one `require.resolve` refuses, e.g. with only an `import`
 * condition) by walking up `node_modules` folders and reading its `exports` map.
 */
function resolveEsmPackage(specifier: string, fromDir: string): string | undefined {
  const parts = specifier.split("/");
  const nameLength = specifier.startsWith("@") ? 2 : 1;
  if (parts.length < nameLength || parts.some((p) => p === "")) return undefined;
  const packageName = parts.slice(0, nameLength).join("/");
  const subpath = parts.length > nameLength ? `./${parts.slice(nameLength).join("/")}` : ".";
  let dir = resolve(fromDir);
  for (;;) {
    const packageDir = join(dir, "node_modules", packageName);
    const manifestPath = join(packageDir, "package.json");
    if (existsSync(manifestPath)) {
      const found = resolveInPackage(packageDir, manifestPath, subpath);
      if (found !== undefined) return found;
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

function resolveInPackage(
  packageDir: string,
  manifestPath: string,
  subpath: string,
): string | undefined {
  let manifest: Record<string, unknown>;
  try {
    manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const exportsField = manifest.exports;
  let target: string | undefined;
  if (exportsField !== undefined && exportsField !== null) {
    const isSubpathMap =
      isObject(exportsField) &&
      !Array.isArray(exportsField) &&
      Object.keys(exportsField).some((key) => key.startsWith("."));
    const entry = isSubpathMap
      ? (exportsField as Record<string, unknown>)[subpath]
      : subpath === "."
        ? exportsField
        : undefined;
    target = pickCondition(entry);
  } else if (subpath === ".") {
    target = typeof manifest.main === "string" ? `./${manifest.main}` : "./index.js";
  } else {
    target = subpath;
  }
  if (target === undefined) return undefined;
  const file = resolve(packageDir, target);
  return isFile(file) ? file : undefined;
}

const esmConditions = new Set(["import", "node", "default"]);

function pickCondition(entry: unknown): string | undefined {
  if (typeof entry === "string") return entry;
  if (Array.isArray(entry)) {
    for (const item of entry) {
      const found = pickCondition(item);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (isObject(entry)) {
    for (const [condition, value] of Object.entries(entry)) {
      if (!esmConditions.has(condition)) continue;
      const found = pickCondition(value);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
