import type { Connector, Plugin, Processor } from "@wct/plugin-api";
import { ExecutorError, ExecutorErrorCode } from "../errors.js";

/** A loaded plugin and where it came from (module specifier, path or `built-in`). */
export interface LoadedPlugin {
  plugin: Plugin;
  /** Module specifier or path it was loaded from; `built-in` or `inline` otherwise. */
  source: string;
}

export interface RegisteredConnector {
  plugin: string;
  source: string;
  component: Connector;
}

export interface RegisteredProcessor {
  plugin: string;
  source: string;
  component: Processor;
}

/** Every component known to a plan or a run, by type. */
export interface ComponentRegistry {
  readonly plugins: ReadonlyArray<{ name: string; version?: string; source: string }>;
  readonly connectors: ReadonlyMap<string, RegisteredConnector>;
  readonly processors: ReadonlyMap<string, RegisteredProcessor>;
}

/**
 * Builds a registry from loaded plugins, in order. A type registered twice (by two
 * plugins, or twice by one) is an `ERR_PLUGIN_DUPLICATE_TYPE` naming both modules.
 */
export function createRegistry(loaded: ReadonlyArray<LoadedPlugin>): ComponentRegistry {
  const connectors = new Map<string, RegisteredConnector>();
  const processors = new Map<string, RegisteredProcessor>();
  const plugins: { name: string; version?: string; source: string }[] = [];
  for (const { plugin, source } of loaded) {
    plugins.push(
      plugin.version === undefined
        ? { name: plugin.name, source }
        : { name: plugin.name, version: plugin.version, source },
    );
    for (const component of plugin.connectors ?? []) {
      register(connectors, "connector", component.type, { plugin: plugin.name, source, component });
    }
    for (const component of plugin.processors ?? []) {
      register(processors, "processor", component.type, { plugin: plugin.name, source, component });
    }
  }
  return { plugins, connectors, processors };
}

function register<T extends { plugin: string; source: string }>(
  map: Map<string, T>,
  kind: string,
  type: string,
  entry: T,
): void {
  const existing = map.get(type);
  if (existing) {
    throw new ExecutorError(
      ExecutorErrorCode.PluginDuplicateType,
      `${kind} type "${type}" is registered twice: by plugin "${existing.plugin}" (${existing.source}) and by plugin "${entry.plugin}" (${entry.source}). Remove one of the plugins or rename the type.`,
      { details: { type, kind, first: existing.source, second: entry.source } },
    );
  }
  map.set(type, entry);
}
