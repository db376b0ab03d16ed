export { DiagnosticCode } from "./codes.js";
export { closestMatch } from "./did-you-mean.js";
export type { EnvProblem, EnvSubstitution, EnvVars } from "./env.js";
export { substituteEnv } from "./env.js";
export { formatDiagnostic } from "./format.js";
export {
  ENV_PLACEHOLDER_PATTERN,
  RUNBOOK_JSON_SCHEMA_ID,
  runbookJsonSchema,
} from "./json-schema.js";
export { allowedKeysAt, parseRunbook } from "./parse.js";
export {
  ARTIFACT_ID_PATTERN,
  artifactSchema,
  CONFIG_DEFAULTS,
  DEFAULT_SCHEMA_VERSION,
  MAX_ID_LENGTH,
  MAX_TIMEOUT_SECONDS,
  runbookSchema,
  SCHEMA_REF_PATTERN,
} from "./schema.js";
export {
  collectSubstitutedValues,
  MIN_MASKED_LENGTH,
  maskSecrets,
  type SecretValues,
} from "./secrets.js";
export type {
  ArtifactDefinition,
  ChildInputDeclaration,
  ChildOutputDeclaration,
  ChildRunbookRef,
  ComponentRef,
  Diagnostic,
  OutputSchemaRef,
  ParseOptions,
  ParseResult,
  PartialRunbook,
  PositionLookup,
  ReuseRef,
  Runbook,
  RunbookConfig,
} from "./types.js";
export { parseYamlValue, type YamlValue } from "./yaml-value.js";
