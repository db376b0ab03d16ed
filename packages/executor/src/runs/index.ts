export { CONFIG_FILE, loadRetentionConfig, parseRetentionConfig } from "./config.js";
export {
  type ArtifactDiff,
  type ArtifactSide,
  diffRuns,
  type FindingsChange,
  type RunDiff,
  type RunSide,
} from "./diff.js";
export {
  isEmptyPolicy,
  PRUNABLE_STATUSES,
  type PrunableStatus,
  parseDuration,
  type RetentionPolicy,
} from "./policy.js";
export {
  type PruneEntry,
  type PruneOptions,
  type PruneResult,
  pruneRuns,
  selectRuns,
} from "./prune.js";
