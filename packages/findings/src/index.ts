export { diffFindings, type FindingsDiff, type FindingTypeCounts } from "./diff.js";
export {
  type Finding,
  type FindingLocation,
  findingIdentities,
  findingIdentity,
  type IdentifiableFinding,
  isFinding,
  PERSONAL_DATA_FINDING_SCHEMA_NAME,
} from "./finding.js";
