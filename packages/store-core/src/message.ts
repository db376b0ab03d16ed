import { createHash } from "node:crypto";
import { z } from "zod";

/** Name and version of the shape of an artifact's content, e.g. `file_content/1.0.0`. */
export interface SchemaRef {
  name: string;
  version: string;
}

/** How an artifact ended and where it came from. Persisted with snake_case keys. */
export interface ExecutionRecord {
  status: "completed" | "failed";
  /** Set when `status` is `failed`: a stable code and a message. */
  error: { code: string; message: string } | null;
  duration_ms: number;
  /** How the artifact was produced: `connector`, `processor`, `passthrough`, `merge`, `reuse`. */
  origin: string;
  /** Id the artifact had in the runbook that declared it (child runbooks), or null. */
  alias: string | null;
}

/**
 * One artifact's output, as stored. `content` is any JSON value; `source` is
 * `connector:<type>`, `processor:<type>` or `reuse:<run>/<artifact>`. Extra fields are
 * kept as they are.
 */
export interface Message {
  id: string;
  schema: SchemaRef;
  content: unknown;
  run_id: string;
  source: string;
  timestamp: string;
  execution: ExecutionRecord;
  [extra: string]: unknown;
}

/** zod schema of a {@link SchemaRef}. */
export const schemaRefSchema = z.object({ name: z.string().min(1), version: z.string().min(1) });

/** zod schema of an {@link ExecutionRecord}; extra fields allowed. */
export const executionRecordSchema = z.looseObject({
  status: z.enum(["completed", "failed"]),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  duration_ms: z.number().nonnegative(),
  origin: z.string(),
  alias: z.string().nullable(),
});

/** zod schema of a {@link Message}; extra fields allowed. */
export const messageSchema = z.looseObject({
  id: z.string().min(1),
  schema: schemaRefSchema,
  content: z.unknown(),
  run_id: z.string().min(1),
  source: z.string().min(1),
  timestamp: z.string().min(1),
  execution: executionRecordSchema,
});

/**
 * `sha256:<hex>` of a Message's canonical JSON text. The fs store keeps exactly this
 * text, so a digest recorded at save time verifies the bytes read back later.
 */
export function messageDigest(message: Message): string {
  return `sha256:${createHash("sha256").update(JSON.stringify(message)).digest("hex")}`;
}
