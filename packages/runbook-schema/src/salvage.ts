import type { z } from "zod";
import {
  artifactSchema,
  childInputSchema,
  childOutputSchema,
  configSchema,
  runbookSchema,
} from "./schema.js";
import type {
  ArtifactDefinition,
  ChildInputDeclaration,
  ChildOutputDeclaration,
  PartialRunbook,
  Runbook,
  RunbookConfig,
} from "./types.js";
import type { PathSegment } from "./yaml-tree.js";

type Taken<T> = { ok: true; data: T } | { ok: false };

/**
 * The {@link PartialRunbook} of a document that failed validation, or undefined when
 * its top level is not a mapping. `problems` are the paths of every problem found
 * (diagnostics, failed substitutions, repeated keys): a part with a problem at or
 * under it is never taken as written, even if the schema alone would accept it.
 * Never throws.
 */
export function salvageRunbook(
  value: unknown,
  problems: ReadonlyArray<ReadonlyArray<PathSegment>>,
): PartialRunbook | undefined {
  if (!isRecord(value)) return undefined;
  const invalidFields: string[] = [];
  const mark = (field: string) => {
    if (!invalidFields.includes(field)) invalidFields.push(field);
  };
  const troubled = (path: ReadonlyArray<PathSegment>) =>
    problems.some((problem) => startsWith(problem, path));
  const take = <T>(schema: z.ZodType<T>, raw: unknown, path: PathSegment[]): Taken<T> =>
    troubled(path) ? { ok: false } : parseQuietly(schema, raw);
  /** A strict object field by field: what is invalid takes its default (or is left out). */
  const salvageObject = (
    shape: Record<string, z.ZodType>,
    raw: unknown,
    path: PathSegment[],
    onFallback: (key: string) => void,
  ): Record<string, unknown> => {
    const source = isRecord(raw) ? raw : {};
    const out: Record<string, unknown> = {};
    for (const [key, schema] of Object.entries(shape)) {
      let taken: Taken<unknown> | undefined;
      if (isRecord(raw) || raw === undefined) taken = take(schema, source[key], [...path, key]);
      if (taken === undefined || !taken.ok) {
        onFallback(key);
        taken = parseQuietly(schema, undefined);
      }
      if (taken.ok && taken.data !== undefined) out[key] = taken.data;
    }
    return out;
  };

  const shape = runbookSchema.shape;
  for (const key of Object.keys(shape)) if (troubled([key])) mark(key);

  const text = (key: "name" | "description"): string => {
    const taken = take(shape[key], value[key], [key]);
    if (taken.ok) return taken.data;
    mark(key);
    return "";
  };
  const name = text("name");
  const description = text("description");
  const contact = take(shape.contact, value["contact"], ["contact"]);
  if (!contact.ok) mark("contact");

  const config = salvageObject(configSchema.shape, value["config"], ["config"], (key) => {
    mark("config");
    mark(`config.${key}`);
  }) as unknown as RunbookConfig;

  const plugins: string[] = [];
  const rawPlugins = value["plugins"];
  if (Array.isArray(rawPlugins)) {
    rawPlugins.forEach((specifier, index) => {
      const taken = take(shape.plugins, [specifier], ["plugins", index]);
      if (taken.ok && taken.data.length === 1) plugins.push(taken.data[0]!);
      else mark("plugins");
    });
  } else if (rawPlugins !== undefined) {
    mark("plugins");
  }

  let inputs: Record<string, ChildInputDeclaration> | undefined;
  const rawInputs = value["inputs"];
  if (isRecord(rawInputs)) {
    // Every declared name stays known, so that artifacts taking it are not reported
    // as taking an unknown id; the parts of a declaration that are wrong are dropped.
    inputs = {};
    for (const [inputName, declaration] of Object.entries(rawInputs)) {
      inputs[inputName] = salvageObject(
        childInputSchema.shape,
        declaration,
        ["inputs", inputName],
        () => mark("inputs"),
      ) as unknown as ChildInputDeclaration;
    }
  } else if (rawInputs !== undefined) {
    mark("inputs");
  }

  let outputs: Record<string, ChildOutputDeclaration> | undefined;
  const rawOutputs = value["outputs"];
  if (isRecord(rawOutputs)) {
    outputs = {};
    for (const [outputName, declaration] of Object.entries(rawOutputs)) {
      const taken = take(childOutputSchema, declaration, ["outputs", outputName]);
      if (taken.ok) outputs[outputName] = taken.data;
      else mark("outputs");
    }
  } else if (rawOutputs !== undefined) {
    mark("outputs");
  }

  const artifacts: Record<string, ArtifactDefinition> = {};
  const invalidArtifacts: string[] = [];
  const invalidArtifactInputs: Record<string, string[]> = {};
  const rawArtifacts = value["artifacts"];
  if (isRecord(rawArtifacts)) {
    for (const [id, definition] of Object.entries(rawArtifacts)) {
      const taken = take(artifactSchema, definition, ["artifacts", id]);
      if (taken.ok) {
        artifacts[id] = taken.data;
        continue;
      }
      invalidArtifacts.push(id);
      // An artifact wrong elsewhere (a misspelt key) still names its inputs: keep them
      // when they are right on their own, so unknown references are reported now too.
      if (!isRecord(definition) || definition["inputs"] === undefined) continue;
      const inputs = take(artifactSchema.shape.inputs, definition["inputs"], [
        "artifacts",
        id,
        "inputs",
      ]);
      if (inputs.ok && inputs.data !== undefined) invalidArtifactInputs[id] = inputs.data;
    }
  } else {
    mark("artifacts");
  }

  const runbook: Runbook = {
    name,
    description,
    ...(contact.ok && contact.data !== undefined ? { contact: contact.data } : {}),
    config,
    plugins,
    ...(inputs === undefined ? {} : { inputs }),
    ...(outputs === undefined ? {} : { outputs }),
    artifacts,
  };
  return { runbook, invalidArtifacts, invalidArtifactInputs, invalidFields };
}

function parseQuietly<T>(schema: z.ZodType<T>, raw: unknown): Taken<T> {
  try {
    const result = schema.safeParse(raw);
    return result.success ? { ok: true, data: result.data } : { ok: false };
  } catch {
    return { ok: false };
  }
}

function startsWith(path: ReadonlyArray<PathSegment>, prefix: ReadonlyArray<PathSegment>): boolean {
  if (path.length < prefix.length) return false;
  // Segments compare as written in a dot path: a list index 0 and a key "0" are one place.
  return prefix.every((segment, index) => String(path[index]) === String(segment));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
