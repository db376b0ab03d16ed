/**
 * Store keys of a run's system entries: `_system/*.json` of the run's folder, as the
 * README's "Runs, resume and reuse" describes them.
 */
export const RUN_KEY = "_system/run";
export const STATE_KEY = "_system/state";
export const PLAN_KEY = "_system/plan";
export const LOCK_KEY = "_system/lock";
