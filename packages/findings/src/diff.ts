import { findingIdentities, type IdentifiableFinding } from "./finding.js";

/** Per finding type: how many findings are new, gone and unchanged. */
export interface FindingTypeCounts {
  new: number;
  gone: number;
  unchanged: number;
}

/** What changed between two findings lists (`before` → `after`). */
export interface FindingsDiff<T extends IdentifiableFinding = IdentifiableFinding> {
  /** In `after` only, in `after`'s order. */
  new: T[];
  /** In `before` only, in `before`'s order. */
  gone: T[];
  /** In both (as in `after`), in `after`'s order. */
  unchanged: T[];
  /** Counts by finding type, types sorted. */
  by_type: Record<string, FindingTypeCounts>;
}

/**
 * Matches the findings of two scans by identity (type, location without line,
 * fingerprint or masked evidence, occurrence), never by list position: a finding
 * that moved down a file is unchanged, a new value is new.
 */
export function diffFindings<T extends IdentifiableFinding>(
  before: readonly T[],
  after: readonly T[],
): FindingsDiff<T> {
  const beforeIds = findingIdentities(before);
  const afterIds = findingIdentities(after);
  const inBefore = new Set(beforeIds);
  const inAfter = new Set(afterIds);
  const diff: FindingsDiff<T> = { new: [], gone: [], unchanged: [], by_type: {} };
  const counts = new Map<string, FindingTypeCounts>();
  const count = (type: string) => {
    let c = counts.get(type);
    if (c === undefined) {
      c = { new: 0, gone: 0, unchanged: 0 };
      counts.set(type, c);
    }
    return c;
  };
  after.forEach((finding, i) => {
    const kind = inBefore.has(afterIds[i]!) ? "unchanged" : "new";
    diff[kind].push(finding);
    count(finding.type)[kind]++;
  });
  before.forEach((finding, i) => {
    if (inAfter.has(beforeIds[i]!)) return;
    diff.gone.push(finding);
    count(finding.type).gone++;
  });
  for (const type of [...counts.keys()].sort()) diff.by_type[type] = counts.get(type)!;
  return diff;
}
