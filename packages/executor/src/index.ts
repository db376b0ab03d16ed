export { ExecutorError, ExecutorErrorCode, isExecutorError } from "./errors.js";
export {
  type ComponentRegistry,
  createRegistry,
  type LoadedPlugin,
  type RegisteredConnector,
  type RegisteredProcessor,
} from "./plan/index.js";
export type { ArtifactKind, Plan, PlanFile, PlannedArtifact } from "./types.js";
