import { type InputMessage, isStreamedContent, type RecordInput } from "@wct/plugin-api";

/** An input stored as one value, as the engine hands it to a processor reading records. */
export function asRecordInput(input: InputMessage): RecordInput {
  const content = (input.content ?? {}) as Record<string, unknown>;
  return {
    id: input.id,
    schema: input.schema,
    source: input.source,
    recordsField: undefined,
    head: {},
    async *records(field?: string) {
      const items = field === undefined ? content : content[field];
      if (Array.isArray(items)) yield* items;
    },
    async summary() {
      return content;
    },
  };
}

/** An input stored streamed under `field`: head empty, records pulled one at a time. */
export function asStreamedInput(input: InputMessage, field: string): RecordInput {
  const { [field]: items, ...rest } = (input.content ?? {}) as Record<string, unknown>;
  return {
    id: input.id,
    schema: input.schema,
    source: input.source,
    recordsField: field,
    head: {},
    async *records() {
      if (Array.isArray(items)) yield* items;
    },
    async summary() {
      return rest;
    },
  };
}

/** A database_content/2.0.0 input as stored streamed: head `{database, tables}`, rows. */
export function asStreamedRows(input: InputMessage): RecordInput {
  const { database, tables, rows, ...rest } = (input.content ?? {}) as Record<string, unknown>;
  return {
    id: input.id,
    schema: input.schema,
    source: input.source,
    recordsField: "rows",
    head: { database, tables },
    async *records() {
      if (Array.isArray(rows)) yield* rows;
    },
    async summary() {
      return rest;
    },
  };
}

/** The content as a reader gets it back: streamed records gathered under their field. */
export async function materialise(out: unknown): Promise<unknown> {
  if (!isStreamedContent(out)) return out;
  const records: unknown[] = [];
  for await (const record of out.records) records.push(record);
  return { ...out.head, [out.recordsField]: records, ...(await out.summary()) };
}
