import { z } from "zod";
import { ARTIFACT_ID_PATTERN, CHILD_ID_SEPARATOR, MAX_ID_LENGTH, runbookSchema } from "./schema.js";

/** `$id` of the published JSON Schema. */
export const RUNBOOK_JSON_SCHEMA_ID = "urn:wct:runbook-schema";

/** A whole-value `${VAR}` / `${VAR:-default}` placeholder, substituted at parse time. */
export const ENV_PLACEHOLDER_PATTERN = "^\\$\\{[A-Za-z_][A-Za-z0-9_]*(:-[^}]*)?\\}$";

/** {@link ARTIFACT_ID_PATTERN} without the reserved `__`. */
const ID_NAME_PATTERN = `^(?!.*${CHILD_ID_SEPARATOR})${ARTIFACT_ID_PATTERN.source.slice(1)}`;

const SCALAR_TYPES = new Set(["number", "integer", "boolean"]);
// Keywords that constrain the number/boolean itself and move into its `anyOf` branch.
const VALUE_KEYWORDS = [
  "type",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "exclusiveMaximum",
  "multipleOf",
];

type JsonObject = { [key: string]: unknown };

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

// Numbers and booleans may be written as a placeholder in the file, so editors must
// accept the placeholder string there too.
function allowPlaceholders(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(allowPlaceholders);
  if (!isObject(node)) return node;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(node)) out[key] = allowPlaceholders(value);
  if (typeof out["type"] === "string" && SCALAR_TYPES.has(out["type"])) {
    const valueBranch: JsonObject = {};
    for (const keyword of VALUE_KEYWORDS) {
      if (keyword in out) {
        valueBranch[keyword] = out[keyword];
        delete out[keyword];
      }
    }
    out["anyOf"] = [valueBranch, { type: "string", pattern: ENV_PLACEHOLDER_PATTERN }];
  }
  return out;
}

/**
 * The JSON Schema (draft 2020-12) of the runbook file as written, generated from
 * {@link runbookSchema}. Editors use it to validate and complete runbooks.
 */
export function runbookJsonSchema(): object {
  const generated = z.toJSONSchema(runbookSchema, {
    target: "draft-2020-12",
    io: "input",
    unrepresentable: "any",
  }) as JsonObject;
  const { $schema, ...rest } = generated;
  const schema = allowPlaceholders(rest) as JsonObject;
  // Ids are checked by a refinement (to report every bad id with its own code), which
  // JSON Schema cannot see: state them as property name patterns.
  const properties = isObject(schema["properties"]) ? schema["properties"] : {};
  for (const key of ["artifacts", "inputs"]) {
    const map = properties[key];
    if (isObject(map))
      map["propertyNames"] = { pattern: ID_NAME_PATTERN, maxLength: MAX_ID_LENGTH };
  }
  return { $schema, $id: RUNBOOK_JSON_SCHEMA_ID, title: "wct runbook", ...schema };
}
