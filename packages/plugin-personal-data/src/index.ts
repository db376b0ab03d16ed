import { definePlugin } from "@wct/plugin-api";
import { personalDataProcessor } from "./processor.js";

export type { RuleSet, ScanTextOptions, TextMatch } from "./engine.js";
export { builtinRuleSet, compileRules, scanText } from "./engine.js";
export {
  LabelledSetError,
  LabelledSetErrorClass,
  LabelledSetErrorCode,
  PersonalDataError,
  PersonalDataErrorCode,
} from "./errors.js";
export type { EvalOptions, EvalReport, LineLabel, TypeScore } from "./eval.js";
export {
  evaluateLabelledSet,
  formatEvalReport,
  PRESIDIO_TYPES,
  parseLabels,
  scoreLines,
  scorePresidio,
} from "./eval.js";
export { buildEvidence, maskContext } from "./evidence.js";
export { FieldNameIndex, identifierWords } from "./field-names.js";
export { fingerprintValue } from "./fingerprint.js";
export type { IinRange } from "./iin.js";
export { IIN_RANGES, issuerOf } from "./iin.js";
export { LineIndex } from "./lines.js";
export { maskValue } from "./mask.js";
export {
  DATABASE_CONTENT_SCHEMA,
  DATABASE_CONTENT_V1_SCHEMA,
  FILE_CONTENT_SCHEMA,
  findPersonalData,
  PERSONAL_DATA_FINDING_SCHEMA,
  personalDataProcessor,
  type StreamScanOptions,
  streamPersonalData,
} from "./processor.js";
export type { PersonalDataProperties } from "./properties.js";
export { personalDataPropertiesSchema, ruleDefinitionSchema, selectRules } from "./properties.js";
export { builtinRules } from "./rules.js";
export { scanWorkerCount, scanWorkersAfterBytes } from "./scan-pool.js";
export type {
  FieldNameRuleDefinition,
  Finding,
  FindingLocation,
  InputCoverage,
  KeepMask,
  NormalizerName,
  PatternRuleDefinition,
  PersonalDataOutput,
  RuleDefinition,
  ValidatorName,
} from "./types.js";
export { ibanMod97Valid, luhnValid, normalizeValue } from "./validators.js";

/** The built-in personal-data plugin: one processor, `personal_data`. */
const plugin = definePlugin({
  name: "personal-data",
  version: "0.1.0",
  processors: [personalDataProcessor],
});

export default plugin;
