import type { ComponentLog, InputMessage, SchemaRef } from "@wct/plugin-api";
import type { ArtifactStore } from "@wct/store-core";
import { ExecutorError, ExecutorErrorCode } from "../errors.js";
import type { ComponentRegistry } from "../plan/registry.js";
import type { PlannedArtifact } from "../types.js";
import { toJsonText } from "./json.js";
import { loadReusableMessage, type ReuseLookups } from "./records.js";

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

/** What producing an artifact yields, before it becomes a Message. */
export type Produced = StoredOutput;

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
  /** The input's content as a reader of the store gets it back, parsed for this caller. */
  inputContent(id: string): Promise<InputContent>;
  /** The input's content JSON text as stored (a passthrough stores it unchanged). */
  inputText(id: string): Promise<StoredOutput>;
  reuseStates: ReuseLookups;
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
  };
  switch (artifact.kind) {
    case "source": {
      const connector = context.registry.connectors.get(artifact.component ?? "");
      if (!connector) throw unknownComponent(artifact, "connector");
      const source = `connector:${connector.component.type}`;
      // No local keeps the value: once serialised, a large extract can be collected.
      const contentText = toJsonText(await connector.component.extract(base), artifact.id, source);
      return { schema: artifact.schema ?? connector.component.outputSchema, source, contentText };
    }
    case "process": {
      const processor = context.registry.processors.get(artifact.component ?? "");
      if (!processor) throw unknownComponent(artifact, "processor");
      const source = `processor:${processor.component.type}`;
      // Nor the inputs: they can go while the output is serialised.
      const contentText = toJsonText(
        await processor.component.process({
          ...base,
          inputs: await inputMessages(artifact, context),
        }),
        artifact.id,
        source,
      );
      return { schema: artifact.schema ?? processor.component.outputSchema, source, contentText };
    }
    case "passthrough": {
      const inputId = artifact.inputs[0]!;
      const input = await context.inputText(inputId);
      return {
        schema: artifact.schema ?? input.schema,
        source: `passthrough:${inputId}`,
        contentText: input.contentText,
      };
    }
    case "merge": {
      const inputs = await inputMessages(artifact, context);
      const merged: unknown[] = [];
      for (const input of inputs) {
        if (!Array.isArray(input.content)) {
          throw new ExecutorError(
            ExecutorErrorCode.MergeInputNotArray,
            `artifact "${artifact.id}" merges by concatenation, but its input "${input.id}" holds ${input.content === null ? "null" : typeof input.content}, not an array. Make "${input.id}" produce an array, or process the inputs instead of merging them.`,
            { details: { artifact: artifact.id, input: input.id } },
          );
        }
        for (const item of input.content) merged.push(item);
      }
      return {
        schema: artifact.schema ?? inputs[0]?.schema ?? { name: "unknown", version: "0.0.0" },
        source: "merge",
        contentText: JSON.stringify(merged),
      };
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
      const { runId, message } = await loadReusableMessage(context.store, ref, context.reuseStates);
      return {
        schema: message.schema,
        source: `reuse:${runId}/${ref.artifact}`,
        contentText: JSON.stringify(message.content),
      };
    }
  }
}
