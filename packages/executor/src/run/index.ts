export { createRunId } from "./ids.js";
export { type ArtifactIntegrity, checkArtifactIntegrity } from "./integrity.js";
export {
  acquireRunLease,
  DEFAULT_HEARTBEAT_MS,
  DEFAULT_LEASE_TTL_MS,
  isLeaseStale,
  type LeaseOptions,
  type LeaseRecord,
  type RunLease,
} from "./lease.js";
export {
  createReuseResolver,
  listRunRecords,
  readRunInfo,
  resolveRunId,
} from "./records.js";
export { runPlan } from "./run.js";
export type {
  ArtifactError,
  ArtifactStatus,
  ArtifactSummary,
  LeaseHolder,
  LogLevel,
  RunAttempt,
  RunEvent,
  RunMetadata,
  RunOptions,
  RunRecord,
  RunState,
  RunStatus,
  RunSummary,
} from "./types.js";
