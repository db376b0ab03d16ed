import { z } from "zod";
import { DiagnosticCode } from "./codes.js";
import type { Runbook } from "./types.js";

/** Artifact ids and child input names. */
export const ARTIFACT_ID_PATTERN = /^[A-Za-z][A-Za-z0-9_-]*$/;

/** Separator of inlined child artifact ids (`<directive>__<child id>`): reserved. */
export const CHILD_ID_SEPARATOR = "__";

/** `name` or `name/1.2.3`. */
export const SCHEMA_REF_PATTERN = /^[A-Za-z][A-Za-z0-9_.-]*(\/\d+\.\d+\.\d+)?$/;

export const DEFAULT_SCHEMA_VERSION = "1.0.0";

/**
 * Values of `config` settings a runbook leaves out. The schema applies them when it
 * parses; the planner falls back to them for a partial runbook, whose `config` may be absent.
 */
export const CONFIG_DEFAULTS = {
  max_concurrency: 10,
  max_child_depth: 3,
} as const;

/**
 * Longest artifact id or child input name: an id is one store key segment, and stores
 * refuse segments longer than this (`@wct/store-core`'s `MAX_SEGMENT_LENGTH`).
 */
export const MAX_ID_LENGTH = 128;

/**
 * Longest `timeout`, in seconds: timers hold at most 2^31-1 ms (about 24.8 days); a
 * longer delay would fire at once instead of never.
 */
export const MAX_TIMEOUT_SECONDS = 2_147_483;

/** Codes and hints carried by the schema's own refinements through `params`. */
interface RuleParams {
  code: DiagnosticCode;
  hint?: string;
}

type RuleContext = {
  addIssue(issue: {
    code: "custom";
    message: string;
    path: (string | number)[];
    params: RuleParams;
  }): void;
};

function report(
  ctx: RuleContext,
  path: (string | number)[],
  code: DiagnosticCode,
  message: string,
  hint?: string,
): void {
  ctx.addIssue({
    code: "custom",
    message,
    path,
    params: hint === undefined ? { code } : { code, hint },
  });
}

// Refinements below run even when other parts of the same object failed, so every
// problem is reported at once; they only look at keys and shapes they can trust.
const always = { when: () => true };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const seconds = (what: string) =>
  z
    .number()
    .positive()
    .max(MAX_TIMEOUT_SECONDS, {
      message: `at most ${MAX_TIMEOUT_SECONDS} seconds (about 24 days) is supported`,
    })
    .describe(
      `${what}, in seconds (> 0, at most ${MAX_TIMEOUT_SECONDS}). May be a \${VAR} placeholder.`,
    );

const schemaRef = (description: string) =>
  z
    .string()
    .regex(SCHEMA_REF_PATTERN, {
      message: 'expected a schema as "name" or "name/1.2.3"',
    })
    .transform((value) => {
      const slash = value.indexOf("/");
      return slash === -1
        ? { name: value, version: DEFAULT_SCHEMA_VERSION }
        : { name: value.slice(0, slash), version: value.slice(slash + 1) };
    })
    .describe(description);

const componentRef = (description: string) =>
  z
    .strictObject({
      type: z.string().min(1).describe("Component type, as registered by a plugin."),
      properties: z
        .record(z.string(), z.unknown())
        .default({})
        .describe("Component settings; validated by the component's own properties schema."),
    })
    .describe(description);

const reuseRef = z
  .strictObject({
    from_run: z.string().min(1).describe("Run id (or prefix) of an earlier completed run."),
    artifact: z.string().min(1).describe("Artifact id in that run."),
  })
  .describe("Copy this artifact from a completed artifact of an earlier run.");

const childRunbookPath = z
  .string()
  .min(1)
  .refine((path) => !path.startsWith("/") && !/^[A-Za-z]:[\\/]/.test(path), {
    message: "child runbook path must be relative",
  })
  .refine((path) => !path.split(/[\\/]/).includes(".."), {
    message: 'child runbook path may not contain a ".." segment',
  })
  .describe("Relative path of the child runbook (no '..' segment).");

const childRunbookRef = z
  .strictObject({
    path: childRunbookPath,
    input_mapping: z
      .record(z.string(), z.string().min(1))
      .optional()
      .describe(
        "Child input name -> artifact id of this runbook. May be omitted when both sides have exactly one input.",
      ),
    output: z
      .string()
      .min(1)
      .optional()
      .describe("Name of the child output this artifact yields; may be omitted when there is one."),
  })
  .describe("Inline another runbook; this artifact becomes one of its outputs.");

const inputsList = z
  .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
  .transform((value) => (typeof value === "string" ? [value] : value))
  .describe("Artifact id (or child runbook input name), or a non-empty list of them.");

function countInputs(inputs: unknown): number {
  if (typeof inputs === "string") return 1;
  return Array.isArray(inputs) ? inputs.length : 0;
}

/** Cross-field rules of one artifact. */
function checkArtifact(artifact: Record<string, unknown>, ctx: RuleContext): void {
  const has = (key: string) => artifact[key] !== undefined;
  const producers = ["source", "inputs", "reuse"].filter(has);
  if (producers.length === 0) {
    report(
      ctx,
      [],
      DiagnosticCode.MissingProducer,
      "artifact has none of source, inputs, reuse",
      'add exactly one of "source", "inputs" or "reuse"',
    );
  }
  for (const extra of producers.slice(1)) {
    report(
      ctx,
      [extra],
      DiagnosticCode.ExclusiveKeys,
      `"${producers[0]}" and "${extra}" are mutually exclusive`,
      "an artifact is produced in exactly one way: keep one of source, inputs, reuse",
    );
  }
  if (has("process") && !has("inputs")) {
    report(
      ctx,
      ["process"],
      DiagnosticCode.InvalidCombination,
      '"process" needs "inputs"',
      'list the artifacts to process under "inputs"',
    );
  }
  if (has("child_runbook")) {
    if (has("process")) {
      report(
        ctx,
        ["child_runbook"],
        DiagnosticCode.ExclusiveKeys,
        '"process" and "child_runbook" are mutually exclusive',
      );
    } else if (!has("inputs")) {
      report(
        ctx,
        ["child_runbook"],
        DiagnosticCode.InvalidCombination,
        '"child_runbook" needs "inputs"',
        'list the artifacts passed to the child runbook under "inputs"',
      );
    }
  }
  const inputCount = countInputs(artifact["inputs"]);
  const transformed = has("process") || has("child_runbook");
  if (has("merge")) {
    if (transformed) {
      report(
        ctx,
        ["merge"],
        DiagnosticCode.InvalidCombination,
        `"merge" cannot be used with "${has("process") ? "process" : "child_runbook"}"`,
        "the processor receives all inputs; remove merge",
      );
    } else if (inputCount < 2) {
      report(
        ctx,
        ["merge"],
        DiagnosticCode.InvalidCombination,
        '"merge" needs several "inputs"',
        "a single input is passed through as is; remove merge",
      );
    }
  } else if (has("inputs") && inputCount > 1 && !transformed) {
    report(
      ctx,
      ["inputs"],
      DiagnosticCode.InvalidCombination,
      'several inputs without "process" or "child_runbook" need "merge"',
      'add "merge: concatenate" or a "process"',
    );
  }
}

export const artifactSchema = z
  .strictObject({
    name: z.string().optional().describe("Human-readable name (kept for audit trails)."),
    description: z.string().optional().describe("What this artifact holds."),
    contact: z.string().optional().describe("Who to ask about this artifact."),
    source: componentRef("Produce this artifact with a connector.").optional(),
    inputs: inputsList.optional(),
    process: componentRef("Derive this artifact from its inputs with a processor.").optional(),
    reuse: reuseRef.optional(),
    child_runbook: childRunbookRef.optional(),
    merge: z
      .literal("concatenate")
      .optional()
      .describe("Combine several inputs without a processor: concatenate their arrays."),
    output_schema: schemaRef(
      "Schema of this artifact's output: 'name' or 'name/1.2.3' (version defaults to 1.0.0).",
    ).optional(),
    output: z
      .boolean()
      .default(false)
      .describe("Include this artifact in the run's report. May be a ${VAR} placeholder."),
    optional: z
      .boolean()
      .default(false)
      .describe("A failure of this artifact does not fail the run. May be a ${VAR} placeholder."),
    timeout: seconds("Time limit of this artifact").optional(),
  })
  .superRefine((artifact, ctx) => {
    if (isRecord(artifact)) checkArtifact(artifact, ctx);
  }, always)
  .describe(
    "One artifact: exactly one of source, inputs (optionally with process, child_runbook or merge) or reuse.",
  );

export const configSchema = z
  .strictObject({
    timeout: seconds("Time limit of the whole run").optional(),
    max_concurrency: z
      .number()
      .int()
      .min(1)
      .default(CONFIG_DEFAULTS.max_concurrency)
      .describe("Artifacts produced at the same time (>= 1). May be a ${VAR} placeholder."),
    max_child_depth: z
      .number()
      .int()
      .min(0)
      .default(CONFIG_DEFAULTS.max_child_depth)
      .describe("Deepest nesting of child runbooks (>= 0). May be a ${VAR} placeholder."),
    template_paths: z
      .array(z.string().min(1))
      .default([])
      .describe("Extra folders searched for child runbooks, relative to this runbook's folder."),
  })
  .describe("Run settings.");

export const childInputSchema = z
  .strictObject({
    input_schema: schemaRef(
      "Schema the input must have: 'name' or 'name/1.2.3' (version defaults to 1.0.0).",
    ).optional(),
    description: z.string().optional().describe("What the parent should pass."),
    optional: z
      .boolean()
      .default(false)
      .describe("The parent may leave this input unmapped. May be a ${VAR} placeholder."),
  })
  .describe("A declared input of this child runbook.");

export const childOutputSchema = z
  .strictObject({
    artifact: z
      .string()
      .min(1)
      .describe("Id of the artifact of this runbook exposed as the output."),
    description: z.string().optional().describe("What the output holds."),
  })
  .describe("A declared output of this child runbook.");

function checkId(ctx: RuleContext, path: (string | number)[], id: string, what: string): void {
  if (!ARTIFACT_ID_PATTERN.test(id)) {
    report(
      ctx,
      path,
      DiagnosticCode.InvalidId,
      `${what} "${id}" is not a valid id`,
      "ids start with a letter and contain only letters, digits, '_' and '-'",
    );
  } else if (id.length > MAX_ID_LENGTH) {
    report(
      ctx,
      path,
      DiagnosticCode.InvalidId,
      `${what} "${id.slice(0, 40)}…" is ${id.length} characters long`,
      `ids are at most ${MAX_ID_LENGTH} characters (each one names a stored file); use a shorter id`,
    );
  } else if (id.includes(CHILD_ID_SEPARATOR)) {
    report(
      ctx,
      path,
      DiagnosticCode.InvalidId,
      `${what} "${id}" contains "__"`,
      '"__" is reserved for the ids of inlined child runbook artifacts',
    );
  }
}

/** Rules across the whole runbook: ids, child runbook constraints, output references. */
function checkRunbook(runbook: Record<string, unknown>, ctx: RuleContext): void {
  const artifacts = isRecord(runbook["artifacts"]) ? runbook["artifacts"] : {};
  for (const id of Object.keys(artifacts)) checkId(ctx, ["artifacts", id], id, "artifact id");
  const inputs = runbook["inputs"];
  if (isRecord(inputs)) {
    for (const name of Object.keys(inputs)) {
      checkId(ctx, ["inputs", name], name, "input name");
      if (Object.hasOwn(artifacts, name)) {
        report(
          ctx,
          ["inputs", name],
          DiagnosticCode.DuplicateId,
          `"${name}" is both an input and an artifact`,
          "rename one of them: artifacts refer to both by name in inputs",
        );
      }
    }
    for (const [id, artifact] of Object.entries(artifacts)) {
      if (isRecord(artifact) && artifact["source"] !== undefined) {
        report(
          ctx,
          ["artifacts", id, "source"],
          DiagnosticCode.InvalidCombination,
          "a child runbook (one that declares inputs) may not have source artifacts",
          "take the data through the runbook's inputs instead",
        );
      }
    }
  }
  const outputs = runbook["outputs"];
  if (isRecord(outputs)) {
    for (const [name, output] of Object.entries(outputs)) {
      const target = isRecord(output) ? output["artifact"] : undefined;
      if (typeof target === "string" && target !== "" && !Object.hasOwn(artifacts, target)) {
        const known = Object.keys(artifacts);
        report(
          ctx,
          ["outputs", name, "artifact"],
          DiagnosticCode.InvalidOutputRef,
          `output "${name}" names unknown artifact "${target}"`,
          known.length > 0 ? `known artifacts: ${known.join(", ")}` : undefined,
        );
      }
    }
  }
}

/**
 * The zod schema of a runbook, after `${VAR}` substitution. Unknown keys are errors at
 * every level; cross-field rules carry their diagnostic code in `issue.params.code`.
 */
export const runbookSchema = z
  .strictObject({
    name: z.string().min(1).describe("Name of the runbook."),
    description: z.string().describe("What the runbook does."),
    contact: z.string().optional().describe("Who to ask about this runbook."),
    config: configSchema.prefault({}),
    plugins: z
      .array(z.string().min(1))
      .default([])
      .describe("Plugin module specifiers, resolved from the runbook's folder."),
    inputs: z
      .record(z.string(), childInputSchema)
      .optional()
      .describe("Declared inputs: a runbook with inputs is a child runbook (no source artifacts)."),
    outputs: z
      .record(z.string(), childOutputSchema)
      .optional()
      .describe("Declared outputs of a child runbook: output name -> artifact."),
    artifacts: z
      .record(z.string(), artifactSchema)
      .refine((artifacts) => Object.keys(artifacts).length > 0, {
        message: "a runbook declares at least one artifact",
      })
      .describe("Artifact id -> definition. Ids match ^[A-Za-z][A-Za-z0-9_-]*$ without '__'."),
  })
  .superRefine((runbook, ctx) => {
    if (isRecord(runbook)) checkRunbook(runbook, ctx);
  }, always)
  .describe("A wct runbook: named artifacts produced by connectors and processors.");

// Compile-time proof that the schema produces exactly the published `Runbook` type.
type Equals<A, B> =
  (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const schemaMatchesTypes: Equals<z.output<typeof runbookSchema>, Runbook> = true;
void schemaMatchesTypes;

/** Value types of format fields that accept a `${VAR}` placeholder as a number or boolean. */
export type ScalarKind = "number" | "boolean" | "string" | "free";

/**
 * What the schema wants at a path, for coercing whole `${VAR}` placeholders:
 * numbers and booleans of the format, `free` inside component `properties`.
 */
export function scalarKindAt(path: readonly (string | number)[]): ScalarKind {
  const [top, , field, nested] = path;
  if (top === "config" && path.length === 2) {
    return path[1] === "template_paths" ? "string" : "number";
  }
  if (top === "artifacts" && path.length >= 3) {
    if (path.length === 3) {
      if (field === "timeout") return "number";
      if (field === "output" || field === "optional") return "boolean";
      return "string";
    }
    if ((field === "source" || field === "process") && nested === "properties" && path.length > 4) {
      return "free";
    }
    return "string";
  }
  if (top === "inputs" && path.length === 3 && field === "optional") return "boolean";
  return "string";
}
