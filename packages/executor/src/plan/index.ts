export { PlanDiagnosticCode } from "./codes.js";
export { type ArtifactDescription, describePlan, type PlanDescription } from "./describe.js";
export { loadPluginModules, resolvePluginModule, validatePluginShape } from "./load-plugins.js";
export { type PlanOptions, type PlanResult, planRunbook, runbookHash } from "./plan-runbook.js";
export {
  type ComponentRegistry,
  createRegistry,
  type LoadedPlugin,
  type RegisteredConnector,
  type RegisteredProcessor,
} from "./registry.js";
