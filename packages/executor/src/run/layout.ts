/** Store keys of a run's system entries (the seed's `_system/*.json`). */
export const RUN_KEY = "_system/run";
export const STATE_KEY = "_system/state";
export const PLAN_KEY = "_system/plan";
export const LOCK_KEY = "_system/lock";
