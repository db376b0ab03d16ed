import { type StreamedContent, streamContent } from "@wct/plugin-api";
import type { ArtifactReader } from "@wct/store-core";
import { ExecutorError, ExecutorErrorCode } from "../errors.js";
import type { PlannedArtifact } from "../types.js";

/** An input of a merge: its artifact id and a reader of its stored Message. */
export interface MergeInput {
  id: string;
  reader: ArtifactReader;
}

/** What a merge produces: plain JSON text of one array, or streamed records. */
export type MergeOutput =
  | { contentText: string; streamed?: undefined }
  | { streamed: StreamedContent; contentText?: undefined };

function notArray(artifact: PlannedArtifact, id: string, holds: string): ExecutorError {
  return new ExecutorError(
    ExecutorErrorCode.MergeInputNotArray,
    `artifact "${artifact.id}" merges by concatenation, but its input "${id}" holds ${holds}, not an array. Make "${id}" produce an array (or stream records), or process the inputs instead of merging them.`,
    { details: { artifact: artifact.id, input: id } },
  );
}

function kindOf(value: unknown): string {
  return value === null ? "null" : Array.isArray(value) ? "an array" : typeof value;
}

/**
 * `merge: concatenate`. Plain inputs only: each must hold an array; the output is their
 * concatenation, plain, as it always was. With a streamed input among them, the output
 * is streamed too and never materialised: its records are each input's records in
 * `inputs` order (a streamed input's records; a plain input's array, or the array its
 * content holds under the records field), its head is empty and its summary is
 * `{merged_inputs: [{id, records, fields}]}`, where `fields` are the input's own head and
 * summary (or a plain input's other content fields), so coverage is not lost.
 * `getContent` reads a plain input's content, only to say what it holds when it is no array.
 */
export async function mergeInputs(
  artifact: PlannedArtifact,
  inputs: readonly MergeInput[],
  getContent: (id: string) => Promise<unknown>,
): Promise<MergeOutput> {
  const streamedInputs = inputs.filter((input) => input.reader.layout !== undefined);
  const field = streamedInputs[0]?.reader.layout?.recordsField;
  if (field === undefined) {
    const merged: unknown[] = [];
    for (const { id, reader } of inputs) {
      let records: AsyncIterable<unknown>;
      try {
        records = reader.records();
      } catch {
        throw notArray(artifact, id, kindOf(await getContent(id)));
      }
      for await (const item of records) merged.push(item);
    }
    return { contentText: JSON.stringify(merged) };
  }
  for (const { id, reader } of streamedInputs) {
    const other = reader.layout?.recordsField;
    if (other !== field) {
      throw new ExecutorError(
        ExecutorErrorCode.MergeRecordsDiffer,
        `artifact "${artifact.id}" merges streamed inputs whose records differ: "${streamedInputs[0]!.id}" streams "${field}", "${id}" streams "${other}". Merge artifacts whose records are of one kind, or process them instead.`,
        { details: { artifact: artifact.id, input: id } },
      );
    }
  }
  // Every input is checked before the first record goes out, so a bad one fails the
  // merge before anything is stored.
  const sources = await Promise.all(
    inputs.map(async ({ id, reader }) => {
      if (reader.layout !== undefined) return { id, reader, records: reader.records() };
      let records: AsyncIterable<unknown>;
      try {
        records = reader.records();
      } catch {
        try {
          records = reader.records(field);
        } catch {
          const content = await getContent(id);
          throw notArray(
            artifact,
            id,
            `${kindOf(content)}${kindOf(content) === "object" ? ` without a "${field}" array` : ""}`,
          );
        }
      }
      return { id, reader, records };
    }),
  );
  const mergedInputs: Array<{ id: string; records: number; fields: Record<string, unknown> }> = [];
  async function* records(): AsyncGenerator<unknown, void, undefined> {
    for (const { id, reader, records } of sources) {
      let count = 0;
      for await (const record of records) {
        count++;
        yield record;
      }
      const fields = { ...(reader.layout?.head ?? {}), ...(await reader.summary()) };
      mergedInputs.push({ id, records: count, fields });
    }
  }
  return {
    streamed: streamContent({
      recordsField: field,
      records: records(),
      summary: () => ({ merged_inputs: mergedInputs }),
    }),
  };
}
