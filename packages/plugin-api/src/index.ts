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
  /**
   * Reports how far the component has got; shown on the live progress line. Call it as
   * often as is convenient: the engine throttles what it shows. Absent when a component
   * is called outside a run (tests, embedding), hence `context.progress?.(...)`.
   */
  progress?: (report: ProgressReport) => void;
}

/** How far a component has got with its artifact, for the progress line. */
export interface ProgressReport {
  /** Items done so far (files, rows, records). */
  items: number;
  /** Items in all, when known. */
  itemsTotal?: number;
  /** Bytes done so far. */
  bytes?: number;
  /** Bytes in all, when known. */
  bytesTotal?: number;
  /** What an item is, plural (`files`, `rows`); default `records`. */
  unit?: string;
}

const STREAMED = Symbol.for("wct.streamed-content");

/**
 * Content returned as a sequence of records rather than one value. Materialised, it is
 * `{ ...head, [recordsField]: [...records], ...summary() }`: so `{root, files, coverage}`
 * streams as head `{root}`, recordsField `files` and a summary `{coverage}`. The engine
 * pulls records one at a time and stores them as they come, so neither side holds the
 * whole artifact; a slow store slows the producer (backpressure).
 */
export interface StreamedContent<R = unknown> {
  readonly [STREAMED]: true;
  /** The content field that holds the records. */
  readonly recordsField: string;
  /** Fields known before the first record. */
  readonly head: Record<string, unknown>;
  /** The records, in order; pulled once. */
  readonly records: AsyncIterable<R>;
  /** The closing fields (coverage, totals), called once after the last record. */
  readonly summary: () => Record<string, unknown> | Promise<Record<string, unknown>>;
}

/** What {@link streamContent} takes. */
export interface StreamContentInit<R> {
  recordsField: string;
  head?: Record<string, unknown>;
  records: AsyncIterable<R> | Iterable<R>;
  summary?: () => Record<string, unknown> | Promise<Record<string, unknown>>;
}

/**
 * Wraps records as the streamed content a connector's `extract` or a processor's
 * `process` may return instead of a plain JSON value. Head and summary field names must
 * differ from `recordsField` and from each other.
 */
export function streamContent<R>(init: StreamContentInit<R>): StreamedContent<R> {
  const source = init.records;
  const records: AsyncIterable<R> =
    Symbol.asyncIterator in source
      ? source
      : {
          async *[Symbol.asyncIterator]() {
            yield* source as Iterable<R>;
          },
        };
  return {
    [STREAMED]: true,
    recordsField: init.recordsField,
    head: init.head ?? {},
    records,
    summary: init.summary ?? (() => ({})),
  };
}

/** Whether a component returned {@link StreamedContent} (from any copy of this package). */
export function isStreamedContent(value: unknown): value is StreamedContent {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as Record<symbol, unknown>)[STREAMED] === true
  );
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

/**
 * An input of a processor that reads its inputs as records
 * (`readsInputsAsRecords: true`): the content is never materialised; the records are
 * read from the store as they are pulled.
 */
export interface RecordInput {
  /** Artifact id of the input. */
  id: string;
  schema: SchemaRef;
  /** Provenance, e.g. `connector:filesystem`. */
  source: string;
  /**
   * The content field that holds the records when the input was stored streamed
   * (`files` for file_content), `undefined` when it was stored as one value.
   */
  recordsField: string | undefined;
  /** Content fields stored before the records (`{root}` for file_content); `{}` when plain. */
  head: Record<string, unknown>;
  /**
   * The records in order, one pass, bounded memory. `field` names the array to read
   * from an input stored as one value (`files`); for a streamed input it may be omitted.
   */
  records(field?: string): AsyncIterable<unknown>;
  /** The other content fields (coverage); reads past unread records when needed. */
  summary(): Promise<Record<string, unknown>>;
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
  /** Returns the artifact's content: any JSON value, or {@link streamContent} records. */
  extract(context: ComponentContext<P>): Promise<unknown>;
}

/** What every processor declares, whichever way it reads its inputs. */
interface ProcessorBase<P> {
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
}

/**
 * A processor that gets each input's whole content. An input stored streamed is
 * materialised for it first: it holds the whole input in memory (for a 1 GB scan,
 * several GB), so a processor of large inputs should read them as records.
 */
export interface PlainProcessor<P = unknown> extends ProcessorBase<P> {
  readsInputsAsRecords?: false;
  /** Returns the artifact's content: any JSON value, or {@link streamContent} records. */
  process(context: ComponentContext<P> & { inputs: ReadonlyArray<InputMessage> }): Promise<unknown>;
}

/** A processor that reads its inputs as records, with bounded memory. */
export interface RecordProcessor<P = unknown> extends ProcessorBase<P> {
  readsInputsAsRecords: true;
  /** Returns the artifact's content: any JSON value, or {@link streamContent} records. */
  process(context: ComponentContext<P> & { inputs: ReadonlyArray<RecordInput> }): Promise<unknown>;
}

/** Derives an artifact from the artifacts named in `inputs`. */
export type Processor<P = unknown> = PlainProcessor<P> | RecordProcessor<P>;

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
export function defineProcessor<P>(processor: RecordProcessor<P>): RecordProcessor<P>;
export function defineProcessor<P>(processor: PlainProcessor<P>): PlainProcessor<P>;
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

/**
 * Stable codes of the {@link SourceError}s a connector raises when what it reads (a
 * folder, a database file) cannot be reached. Shared so that every connector reports
 * the same fault with the same code.
 */
export const SourceErrorCode = {
  /** What the connector reads (its `path`, `database_path`) does not exist. */
  NotFound: "ERR_SOURCE_NOT_FOUND",
  /** It exists but cannot be read (permissions, the wrong kind of file). */
  Unreadable: "ERR_SOURCE_UNREADABLE",
} as const;

/** One of {@link SourceErrorCode}. */
export type SourceErrorCode = (typeof SourceErrorCode)[keyof typeof SourceErrorCode];

/**
 * A {@link ComponentError} of a connector whose source is missing or unreadable; the
 * message names the source as the runbook gave it and says what to fix.
 */
export class SourceError extends ComponentError {
  declare readonly code: SourceErrorCode;

  constructor(code: SourceErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = "SourceError";
  }
}
