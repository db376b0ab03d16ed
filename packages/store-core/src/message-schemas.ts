// The zod schemas of a Message, imported on first use. zod is the largest module graph
// a store would load, and reading records (a listing of runs, `wct runs`) never checks a
// Message: only saving one or reading an artifact does, and those wait on I/O anyway.
let loading: Promise<typeof import("./message.js")> | undefined;

/** `message.ts`, with its zod schemas, loaded once. */
export function messageSchemas(): Promise<typeof import("./message.js")> {
  loading ??= import("./message.js");
  return loading;
}
