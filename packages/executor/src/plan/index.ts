export { assemblePlan, type PlanResult, runbookHash } from "./assemble.js";
export { PlanDiagnosticCode } from "./codes.js";
export { type ArtifactDescription, describePlan, type PlanDescription } from "./describe.js";
export { loadRunbook, type PlanOptions } from "./load.js";
export { loadPluginModules, resolvePluginModule, validatePluginShape } from "./load-plugins.js";
export type {
  ChildLookup,
  LoadedRunbook,
  LoadedRunbookFile,
  PartialFile,
  ReuseLookup,
  RunbookFile,
  UnreadableChild,
} from "./loaded.js";
export { planRunbook } from "./plan-runbook.js";
export {
  type ComponentRegistry,
  createRegistry,
  type LoadedPlugin,
  type RegisteredConnector,
  type RegisteredProcessor,
} from "./registry.js";
