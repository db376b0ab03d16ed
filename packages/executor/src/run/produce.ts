import {
  type ComponentLog,
  type InputMessage,
  isStreamedContent,
  type ProgressReport,
  type RecordInput,
  type SchemaRef,
  type StreamedContent,
  streamContent,
} from "@wct/plugin-api";
import type { ArtifactReader, ArtifactStore } from "@wct/store-core";
import { ExecutorError, ExecutorErrorCode } from "../errors.js";
import type { ComponentRegistry } from "../plan/registry.js";
import type { PlannedArtifact } from "../types.js";
import { toJsonText } from "./json.js";
import { mergeInputs } from "./merge.js";
import { loadReusableMessage, type ReuseLookups } from "./records.js";
import { sourceOf, UNKNOWN_SCHEMA } from "./source.js";

/**
 * An artifact's output as produced and kept for its dependents: the content only as
 * JSON text, serialised once, which is stored verbatim and parsed once per dependent.
 */
export interface StoredOutput {
  schema: SchemaRef;
  source: string;
  /** JSON text of the content, exactly as stored. */
  contentText: string;
}

/** Content produced as records, to be stored by the streamed-artifact unit. */
export interface StreamedOutput {
  schema: SchemaRef;
  source: string;
  streamed: StreamedContent;
}

/** What producing an artifact yields, before it becomes a Message. */
export type Produced = (StoredOutput & { streamed?: undefined }) | StreamedOutput;

/** An input as one dependent gets it: a parse of the stored content that only it holds. */
export interface InputContent {
  schema: SchemaRef;
  source: string;
  content: unknown;
}

export interface ProduceContext {
  store: ArtifactStore;
  registry: ComponentRegistry;
  runId: string;
  signal: AbortSignal;
  log: ComponentLog;
  progress: (report: ProgressReport) => void;
  /** The input's content as a reader of the store gets it back, parsed for this caller. */
  inputContent(id: string): Promise<InputContent>;
  /** The input's content JSON text when this attempt still holds it; it is then taken. */
  heldInput(id: string): StoredOutput | undefined;
  /** Readers opened for this artifact; closed by the caller once its output is stored. */
  readers: ArtifactReader[];
  reuseStates: ReuseLookups;
  /** The input as it is being written, when this artifact reads it live (see pipeline.ts). */
  liveInput?(id: string): RecordInput | undefined;
}

function unknownComponent(artifact: PlannedArtifact, kind: string): ExecutorError {
  return new ExecutorError(
    ExecutorErrorCode.ComponentFailed,
    `artifact "${artifact.id}": no ${kind} of type "${artifact.component}" is loaded. Load the plugin that provides it.`,
    { details: { artifact: artifact.id } },
  );
}

async function inputMessages(
  artifact: PlannedArtifact,
  context: ProduceContext,
): Promise<InputMessage[]> {
  return Promise.all(
    artifact.inputs.map(async (id) => {
      const { schema, content, source } = await context.inputContent(id);
      return { id, schema, content, source };
    }),
  );
}

async function openInput(context: ProduceContext, id: string): Promise<ArtifactReader> {
  // What this attempt still holds is stored too: the store is the one way records are read.
  context.heldInput(id);
  const reader = await context.store.openArtifactReader(context.runId, id);
  context.readers.push(reader);
  return reader;
}

async function recordInputs(
  artifact: PlannedArtifact,
  context: ProduceContext,
): Promise<RecordInput[]> {
  return Promise.all(
    artifact.inputs.map(async (id) => {
      const live = context.liveInput?.(id);
      if (live) return live;
      const reader = await openInput(context, id);
      return {
        id,
        schema: reader.envelope.schema,
        source: reader.envelope.source,
        recordsField: reader.layout?.recordsField,
        head: reader.layout?.head ?? {},
        records: (field?: string) => reader.records(field),
        summary: () => reader.summary(),
      };
    }),
  );
}

/** Streams a stored artifact on as it is: records, head and summary unchanged. */
function copyOf(reader: ArtifactReader): StreamedContent | undefined {
  const layout = reader.layout;
  if (!layout) return undefined;
  return streamContent({
    recordsField: layout.recordsField,
    head: layout.head ?? {},
    records: reader.records(),
    summary: () => reader.summary(),
  });
}

/** Plain content as stored text; streamed content as it is, to be stored record by record. */
function output(
  value: unknown,
  artifact: PlannedArtifact,
  schema: SchemaRef,
  source: string,
): Produced {
  if (isStreamedContent(value)) return { schema, source, streamed: value };
  return { schema, source, contentText: toJsonText(value, artifact.id, source) };
}

/** Produces one artifact's content according to its kind. Throws on failure. */
export async function produce(
  artifact: PlannedArtifact,
  context: ProduceContext,
): Promise<Produced> {
  const base = {
    properties: artifact.properties,
    signal: context.signal,
    log: context.log,
    artifactId: artifact.id,
    runId: context.runId,
    baseDir: artifact.baseDir,
    progress: context.progress,
  };
  switch (artifact.kind) {
    case "source": {
      const connector = context.registry.connectors.get(artifact.component ?? "");
      if (!connector) throw unknownComponent(artifact, "connector");
      const source = sourceOf(artifact);
      // No local keeps the value: once serialised, a large extract can be collected.
      return output(
        await connector.component.extract(base),
        artifact,
        artifact.schema ?? connector.component.outputSchema,
        source,
      );
    }
    case "process": {
      const processor = context.registry.processors.get(artifact.component ?? "");
      if (!processor) throw unknownComponent(artifact, "processor");
      const component = processor.component;
      const source = sourceOf(artifact);
      const schema = artifact.schema ?? component.outputSchema;
      // Nor the inputs: they can go while the output is serialised.
      if (component.readsInputsAsRecords === true) {
        return output(
          await component.process({ ...base, inputs: await recordInputs(artifact, context) }),
          artifact,
          schema,
          source,
        );
      }
      return output(
        await component.process({ ...base, inputs: await inputMessages(artifact, context) }),
        artifact,
        schema,
        source,
      );
    }
    case "passthrough": {
      const inputId = artifact.inputs[0]!;
      const source = sourceOf(artifact);
      const held = context.heldInput(inputId);
      if (held)
        return { schema: artifact.schema ?? held.schema, source, contentText: held.contentText };
      const reader = await openInput(context, inputId);
      const schema = artifact.schema ?? reader.envelope.schema;
      const streamed = copyOf(reader);
      if (streamed) return { schema, source, streamed };
      const { content } = await context.store.get(context.runId, inputId);
      return { schema, source, contentText: JSON.stringify(content) };
    }
    case "merge": {
      const inputs = await Promise.all(
        artifact.inputs.map(async (id) => ({ id, reader: await openInput(context, id) })),
      );
      const merged = await mergeInputs(artifact, inputs, async (id) => {
        return (await context.store.get(context.runId, id)).content;
      });
      const schema = artifact.schema ?? inputs[0]?.reader.envelope.schema ?? UNKNOWN_SCHEMA;
      const source = sourceOf(artifact);
      if (merged.streamed) return { schema, source, streamed: merged.streamed };
      return { schema, source, contentText: merged.contentText };
    }
    case "reuse": {
      const ref = artifact.reuse;
      if (!ref) {
        throw new ExecutorError(
          ExecutorErrorCode.ReuseArtifactNotFound,
          `artifact "${artifact.id}" is a reuse artifact without a reuse reference; plan the runbook again.`,
          { details: { artifact: artifact.id } },
        );
      }
      const { runId, reader } = await loadReusableMessage(context.store, ref, context.reuseStates);
      context.readers.push(reader);
      const schema = reader.envelope.schema;
      const source = sourceOf(artifact, runId);
      const streamed = copyOf(reader);
      if (streamed) return { schema, source, streamed };
      const { content } = await context.store.get(runId, ref.artifact);
      return { schema, source, contentText: JSON.stringify(content) };
    }
  }
}
