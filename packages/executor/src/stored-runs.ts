// `@wct/executor/stored-runs`: listing and pruning stored runs without loading the
// planner (runbook parsing, plugin loading, schemas), so a command that only looks
// at runs starts fast. Everything here is also exported by `@wct/executor`.
export { listRunRecords } from "./run/records.js";
export type { RunRecord, RunStatus } from "./run/types.js";
export { CONFIG_FILE, loadRetentionConfig } from "./runs/config.js";
export {
  isEmptyPolicy,
  PRUNABLE_STATUSES,
  type PrunableStatus,
  parseDuration,
  type RetentionPolicy,
} from "./runs/policy.js";
export {
  type PruneEntry,
  type PruneOptions,
  type PruneResult,
  pruneRuns,
  selectRuns,
} from "./runs/prune.js";
