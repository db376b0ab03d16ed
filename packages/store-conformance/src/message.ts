import type { Message, SchemaRef } from "@wct/store-core";

/** A completed connector's Message as the suites store it: fixed timestamp and source. */
export function conformanceMessage<C>(
  id: string,
  content: C,
  runId: string,
  schema: SchemaRef = { name: "conformance_value", version: "1.0.0" },
): Message & { content: C } {
  return {
    id,
    schema,
    content,
    run_id: runId,
    source: "connector:conformance",
    timestamp: "2026-01-01T00:00:00.000Z",
    execution: {
      status: "completed",
      error: null,
      duration_ms: 3,
      origin: "connector",
      alias: null,
    },
  };
}
