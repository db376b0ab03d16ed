/** What {@link completedMessage} takes; the rest is the same for every test. */
export interface CompletedMessageFields<C> {
  id: string;
  runId: string;
  content: C;
  schema?: { name: string; version: string };
  source?: string;
  timestamp?: string;
}

/**
 * The stored Message of an artifact a connector completed, for the tests and benches
 * that write Messages themselves (a `Message` of `@wct/store-core`, written out here so
 * that this folder needs no package of its own).
 */
export function completedMessage<C>(fields: CompletedMessageFields<C>) {
  return {
    id: fields.id,
    schema: fields.schema ?? { name: "test", version: "1.0.0" },
    content: fields.content,
    run_id: fields.runId,
    source: fields.source ?? "connector:test",
    timestamp: fields.timestamp ?? "2026-01-01T00:00:00.000Z",
    execution: {
      status: "completed" as const,
      error: null,
      duration_ms: 1,
      origin: "connector",
      alias: null,
    },
  };
}
