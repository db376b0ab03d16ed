import type { RunStatus } from "../run/types.js";

/** Statuses a retention policy may select (`wct runs --status` values). */
export const PRUNABLE_STATUSES = [
  "running",
  "completed",
  "failed",
  "interrupted",
  "unreadable",
] as const satisfies ReadonlyArray<RunStatus | "unreadable">;

export type PrunableStatus = (typeof PRUNABLE_STATUSES)[number];

/**
 * Which runs `wct runs prune` deletes. Runs are taken newest first among those with
 * one of `statuses` (all when absent); the newest `keepLast` of them are kept; of the
 * rest, only those started more than `olderThanMs` ago go (all when absent).
 */
export interface RetentionPolicy {
  keepLast?: number;
  olderThanMs?: number;
  statuses?: PrunableStatus[];
}

const UNIT_MS: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** `30d`, `12h`, `90m`, `45s`, `2w` → milliseconds; `undefined` when malformed. */
export function parseDuration(text: string): number | undefined {
  const match = /^([0-9]{1,9})([smhdw])$/.exec(text.trim());
  if (!match) return undefined;
  return Number(match[1]) * UNIT_MS[match[2]!]!;
}

/** Whether a policy selects anything at all (an empty one is refused, not "delete all"). */
export function isEmptyPolicy(policy: RetentionPolicy): boolean {
  return (
    policy.keepLast === undefined &&
    policy.olderThanMs === undefined &&
    (policy.statuses === undefined || policy.statuses.length === 0)
  );
}
