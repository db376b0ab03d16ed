import { assemblePlan, type PlanResult } from "./assemble.js";
import { loadRunbook, type PlanOptions } from "./load.js";

/**
 * Reads a runbook and every child runbook it includes, loads plugins, checks
 * everything and returns a deterministic plan: {@link loadRunbook} (the effects: files,
 * plugin imports, `resolveReuse`) then {@link assemblePlan} (pure). Reports every
 * problem at once as an `ERR_RUNBOOK_INVALID` {@link ExecutorError} with
 * `diagnostics`; a root runbook that cannot be read is `ERR_RUNBOOK_NOT_FOUND`; plugin
 * problems are `ERR_PLUGIN_LOAD`, `ERR_PLUGIN_SHAPE` or `ERR_PLUGIN_DUPLICATE_TYPE`.
 */
export async function planRunbook(
  runbookPath: string,
  options: PlanOptions = {},
): Promise<PlanResult> {
  return assemblePlan(await loadRunbook(runbookPath, options));
}
