/**
 * The parsed shape of a runbook, after `${VAR}` substitution and defaults. Keys keep
 * the runbook's snake_case spelling. The zod schema in `schema.ts` produces exactly
 * this type.
 */

/** `{type, properties}` of a `source` or `process`. */
export interface ComponentRef {
  type: string;
  /** Free-form; validated later by the component's own `properties` schema. */
  properties: Record<string, unknown>;
}

/** `reuse: {from_run, artifact}`. */
export interface ReuseRef {
  from_run: string;
  artifact: string;
}

/**
 * `child_runbook` on an artifact with `inputs`: the child's artifacts are inlined with
 * ids `<directive>__<child id>`, and the directive becomes a pass-through of one of
 * the child's outputs.
 */
export interface ChildRunbookRef {
  /** Relative path of the child runbook (no `..` segment). */
  path: string;
  /**
   * Child input name → parent artifact id. May be omitted when the directive has
   * exactly one input and the child declares exactly one input.
   */
  input_mapping?: Record<string, string>;
  /** Name of the child output the directive yields; may be omitted when there is one. */
  output?: string;
}

/** Output schema as written (`name` or `name/version`), split; version defaults to 1.0.0. */
export interface OutputSchemaRef {
  name: string;
  version: string;
}

export interface ArtifactDefinition {
  name?: string;
  description?: string;
  contact?: string;
  source?: ComponentRef;
  /** Normalised to a list (a single string in YAML becomes a one-element list). */
  inputs?: string[];
  process?: ComponentRef;
  reuse?: ReuseRef;
  child_runbook?: ChildRunbookRef;
  merge?: "concatenate";
  output_schema?: OutputSchemaRef;
  output: boolean;
  optional: boolean;
  /** Seconds. */
  timeout?: number;
}

export interface RunbookConfig {
  /** Seconds, whole run. */
  timeout?: number;
  max_concurrency: number;
  max_child_depth: number;
  template_paths: string[];
}

/** A declared input of a child runbook; its artifacts refer to it by name in `inputs`. */
export interface ChildInputDeclaration {
  /** `name` or `name/version` split like `output_schema`. */
  input_schema?: OutputSchemaRef;
  description?: string;
  optional: boolean;
}

/** A declared output of a child runbook: which of its artifacts it exposes. */
export interface ChildOutputDeclaration {
  artifact: string;
  description?: string;
}

export interface Runbook {
  name: string;
  description: string;
  contact?: string;
  config: RunbookConfig;
  /** Module specifiers, resolved from the runbook's folder. */
  plugins: string[];
  inputs?: Record<string, ChildInputDeclaration>;
  outputs?: Record<string, ChildOutputDeclaration>;
  artifacts: Record<string, ArtifactDefinition>;
}

/** One problem found in a runbook, with where it is. */
export interface Diagnostic {
  /** Stable code, e.g. `ERR_UNKNOWN_KEY`, `ERR_MISSING_ENV`, `ERR_YAML_SYNTAX`. */
  code: string;
  message: string;
  /** Path of the runbook file as given to the parser. */
  file: string;
  /** 1-based; 0 when the problem has no position (e.g. an empty file). */
  line: number;
  /** 1-based; 0 when the problem has no position. */
  column: number;
  /** Dot path of the offending node, e.g. `artifacts.findings.process.type` ("" = root). */
  path: string;
  /** What to do, e.g. `did you mean "inputs"?`. */
  hint?: string;
}

/** Finds the line and column of a dot path in the parsed file (the key's node). */
export type PositionLookup = (path: string) => { line: number; column: number } | undefined;

/**
 * What could be salvaged from a runbook that did not validate, so that later checks
 * (the planner's) can still report their own problems in the same pass. Never a
 * runbook to run: it only holds what validated on its own.
 */
export interface PartialRunbook {
  /**
   * The top level with each invalid field replaced by its default (`""` for `name`
   * and `description`), and only the artifacts that validated on their own and have
   * no problem under them (a `${VAR}` that failed, an id that breaks the rules, ...).
   * Invalid entries of `plugins` and `outputs` are left out; invalid parts of an
   * `inputs` entry take their defaults, so every declared input name stays known.
   */
  runbook: Runbook;
  /** Ids of the artifacts left out of `runbook.artifacts`, in declaration order. */
  invalidArtifacts: string[];
  /**
   * The `inputs` of invalid artifacts, by id, for those whose `inputs` validated on
   * its own and has no problem under it: their references can still be checked.
   */
  invalidArtifactInputs: Record<string, string[]>;
  /**
   * Dot paths of the fields not taken as written: top-level keys (`config`,
   * `plugins`, `inputs`, `outputs`, ...) with any problem under them, and each
   * `config.<key>` that fell back to its default.
   */
  invalidFields: string[];
}

export type ParseResult =
  | { ok: true; runbook: Runbook; diagnostics: []; locate: PositionLookup }
  | {
      ok: false;
      diagnostics: Diagnostic[];
      locate: PositionLookup;
      /**
       * Best effort, for reporting more problems at once; absent when the document is
       * not a mapping, is empty, or is not well-formed YAML.
       */
      partial?: PartialRunbook;
    };

export interface ParseOptions {
  /** Shown in diagnostics. */
  file: string;
  /** Variables for `${VAR}` substitution; default `process.env`. */
  env?: Record<string, string | undefined>;
}
