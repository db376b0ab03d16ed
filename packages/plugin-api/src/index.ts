/**
 * The contract between wct and its plugins. A plugin author depends on this package
 * only; a plain object of the {@link Plugin} shape is a valid plugin without importing
 * anything.
 */

import type { StandardJSONSchemaV1, StandardSchemaV1 } from "@standard-schema/spec";

/** The Standard Schema types (from `@standard-schema/spec`), for typing hand-written schemas. */
export type { StandardJSONSchemaV1, StandardSchemaV1 };

/** Name and version of the shape of an artifact's content, e.g. `file_content/1.0.0`. */
export interface SchemaRef {
  name: string;
  version: string;
}

/**
 * Validates a component's `properties`: any [Standard Schema](https://standardschema.dev)
 * (zod, valibot, arktype, or a hand-written `~standard` object). Validation may be
 * synchronous or return a promise. When the schema also implements Standard JSON Schema
 * (`~standard.jsonSchema`, as zod 4 does), `wct components` shows its JSON Schema.
 */
export interface PropertiesSchema<P = unknown> {
  readonly "~standard": StandardSchemaV1.Props<unknown, P> & {
    /** Present when the schema also implements Standard JSON Schema. */
    readonly jsonSchema?: StandardJSONSchemaV1.Converter;
  };
}

/** One problem reported by a {@link PropertiesSchema}: a Standard Schema issue. */
export type PropertyIssue = StandardSchemaV1.Issue;

/** Structured log of a component; lines are shown with the artifact they belong to. */
export interface ComponentLog {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** What every component call receives. */
export interface ComponentContext<P> {
  /** The artifact's `properties`, validated by the component's `properties` schema. */
  properties: P;
  /** Aborted on timeout, Ctrl-C or SIGTERM: stop work and reject promptly. */
  signal: AbortSignal;
  log: ComponentLog;
  /** Id of the artifact being produced. */
  artifactId: string;
  /** Id of the run. */
  runId: string;
  /** Absolute folder of the runbook that declared the artifact; resolve relative paths here. */
  baseDir: string;
}

/** An input of a processor: a stored Message of an upstream artifact. */
export interface InputMessage {
  /** Artifact id of the input. */
  id: string;
  schema: SchemaRef;
  /** JSON content produced upstream. */
  content: unknown;
  /** Provenance, e.g. `connector:filesystem`. */
  source: string;
}

/** Extracts data from outside (files, databases) into an artifact. */
export interface Connector<P = unknown> {
  /** Type name used in runbooks (`source.type`); unique across loaded plugins. */
  type: string;
  description: string;
  /** Schema of the content `extract` returns. */
  outputSchema: SchemaRef;
  /** Validates `source.properties` at plan time; absent means any properties. */
  properties?: PropertiesSchema<P>;
  /** Returns the artifact's content: any JSON value. */
  extract(context: ComponentContext<P>): Promise<unknown>;
}

/** Derives an artifact from the artifacts named in `inputs`. */
export interface Processor<P = unknown> {
  /** Type name used in runbooks (`process.type`); unique across loaded plugins. */
  type: string;
  description: string;
  /**
   * Accepted input combinations: each entry lists the schemas of the inputs in order.
   * `[[a], [b]]` accepts one input of schema `a` or one of schema `b`.
   */
  inputSchemas: ReadonlyArray<ReadonlyArray<SchemaRef>>;
  /** Schema of the content `process` returns. */
  outputSchema: SchemaRef;
  /** Validates `process.properties` at plan time; absent means any properties. */
  properties?: PropertiesSchema<P>;
  /** Returns the artifact's content: any JSON value. */
  process(context: ComponentContext<P> & { inputs: ReadonlyArray<InputMessage> }): Promise<unknown>;
}

/** A plugin: the default export of its module. */
export interface Plugin {
  /** Plugin name, shown by `wct components` and in errors. */
  name: string;
  version?: string;
  // biome-ignore lint/suspicious/noExplicitAny: a plugin mixes components of any property type
  connectors?: ReadonlyArray<Connector<any>>;
  // biome-ignore lint/suspicious/noExplicitAny: a plugin mixes components of any property type
  processors?: ReadonlyArray<Processor<any>>;
}

/** Typed identity helper for a plugin object. */
export function definePlugin<T extends Plugin>(plugin: T): T {
  return plugin;
}

/** Typed identity helper for a connector; infers `P` from its `properties` schema. */
export function defineConnector<P>(connector: Connector<P>): Connector<P> {
  return connector;
}

/** Typed identity helper for a processor; infers `P` from its `properties` schema. */
export function defineProcessor<P>(processor: Processor<P>): Processor<P> {
  return processor;
}

/** Formats a schema ref as `name/version`. */
export function formatSchemaRef(ref: SchemaRef): string {
  return `${ref.name}/${ref.version}`;
}

/**
 * An error a component throws on purpose, with a stable `code` (`ERR_SOURCE_NOT_FOUND`)
 * and a message that says what is wrong and what to do. The engine fails the artifact
 * and keeps the code and message (never a stack) in the run's record.
 */
export class ComponentError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ComponentError";
    this.code = code;
  }
}
