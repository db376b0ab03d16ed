/**
 * Stable codes of runbook diagnostics. Tests and the CLI rely on these, never on
 * message text.
 */
export const DiagnosticCode = {
  /** The text is not valid YAML (syntax error, bad indentation, several documents, ...). */
  YamlSyntax: "ERR_YAML_SYNTAX",
  /** The same key appears twice in one mapping. */
  DuplicateKey: "ERR_DUPLICATE_KEY",
  /** The file is empty or holds only comments. */
  EmptyRunbook: "ERR_EMPTY_RUNBOOK",
  /** A mapping key that is not a plain string (a list or mapping as key, `__proto__`). */
  InvalidKey: "ERR_INVALID_KEY",
  /** A key the format does not know at that place. */
  UnknownKey: "ERR_UNKNOWN_KEY",
  /** A required key is absent. */
  MissingKey: "ERR_MISSING_KEY",
  /** A value of the wrong type or outside its range/pattern. */
  InvalidValue: "ERR_INVALID_VALUE",
  /** An artifact id or child input name that breaks the id rules. */
  InvalidId: "ERR_INVALID_ID",
  /** A child input name that is also an artifact id. */
  DuplicateId: "ERR_DUPLICATE_ID",
  /** Two keys that may not be used together (`source` + `inputs`, `process` + `child_runbook`, ...). */
  ExclusiveKeys: "ERR_EXCLUSIVE_KEYS",
  /** An artifact with none of `source`, `inputs`, `reuse`. */
  MissingProducer: "ERR_MISSING_PRODUCER",
  /** A key used without what it needs (`process` without `inputs`, `merge` with one input, ...). */
  InvalidCombination: "ERR_INVALID_COMBINATION",
  /** `${VAR}` names a variable that is not set and has no default. */
  MissingEnv: "ERR_MISSING_ENV",
  /** A malformed `${...}` placeholder (unterminated, bad variable name). */
  EnvSyntax: "ERR_ENV_SYNTAX",
  /** An `outputs` entry naming an artifact the runbook does not declare. */
  InvalidOutputRef: "ERR_INVALID_OUTPUT_REF",
} as const;

export type DiagnosticCode = (typeof DiagnosticCode)[keyof typeof DiagnosticCode];
