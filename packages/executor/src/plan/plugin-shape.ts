import type { Plugin } from "@wct/plugin-api";
import { z } from "zod";

/** One thing wrong with a plugin's shape: a dot path into the default export, and what. */
export interface PluginShapeProblem {
  /** `connectors.0.outputSchema`; empty for the export itself. */
  path: string;
  message: string;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (!isObject(value) || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return `an instance of ${value.constructor?.name ?? "object"}`;
  return typeof value;
}

const nonEmptyString = z.string({ error: "must be a non-empty string" }).min(1, {
  error: "must be a non-empty string",
});
const schemaRef = z.object(
  {
    name: z.string({ error: "must be a string" }),
    version: z.string({ error: "must be a string" }),
  },
  { error: "must be {name: string, version: string}" },
);
const aFunction = z.custom<(...args: never[]) => unknown>((v) => typeof v === "function", {
  error: "must be a function",
});
const standardSchema = z.custom<NonNullable<Plugin["connectors"]>[number]["properties"]>(
  (v) => isObject(v) && isObject(v["~standard"]) && typeof v["~standard"].validate === "function",
  {
    error:
      "must be a Standard Schema (`~standard.validate`), e.g. a zod, valibot or arktype schema",
  },
);
const component = {
  type: nonEmptyString,
  description: z.string({ error: "must be a string" }),
  outputSchema: schemaRef,
  properties: standardSchema.optional(),
};
const connector = z.looseObject(
  { ...component, extract: aFunction },
  { error: (issue) => `must be an object, got ${describeValue(issue.input)}` },
);
const processor = z.looseObject(
  {
    ...component,
    process: aFunction,
    inputSchemas: z.array(z.array(schemaRef, { error: "must be an array of {name, version}" }), {
      error: "must be an array of arrays of {name, version}",
    }),
  },
  { error: (issue) => `must be an object, got ${describeValue(issue.input)}` },
);
const componentList = <T extends z.ZodType>(item: T) =>
  z.array(item, { error: (issue) => `must be an array, got ${describeValue(issue.input)}` });

/**
 * The shape of a plugin module's default export (see {@link Plugin}): a plain object
 * with a name and at least one of `connectors` / `processors`. Unknown keys are kept.
 */
export const pluginShapeSchema = z
  .custom<Record<string, unknown>>(isPlainObject, {
    error: (issue) =>
      issue.input === undefined
        ? "the module has no default export"
        : `the default export must be a plain object, got ${describeValue(issue.input)}`,
  })
  .pipe(
    z
      .looseObject({
        name: nonEmptyString,
        version: z.string({ error: "must be a string when given" }).optional(),
        connectors: componentList(connector).optional(),
        processors: componentList(processor).optional(),
      })
      .refine((p) => p.connectors !== undefined || p.processors !== undefined, {
        error: "the plugin declares neither connectors nor processors",
        // Reported alongside any other problem, not only once the rest is right.
        when: (payload) => isObject(payload.value),
      }),
  );

/** Every problem with `value` as a plugin, in order; empty when it is one. */
export function pluginShapeProblems(value: unknown): PluginShapeProblem[] {
  const result = pluginShapeSchema.safeParse(value);
  if (result.success) return [];
  return result.error.issues.map((issue) => ({
    path: issue.path.map(String).join("."),
    message: issue.message,
  }));
}
