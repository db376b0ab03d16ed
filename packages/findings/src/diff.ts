import { type Finding, findingIdentities } from "./finding.js";

/** Per finding type: how many findings are new, gone and unchanged. */
export interface FindingTypeCounts {
  new: number;
  gone: number;
  unchanged: number;
}

/** What changed between two findings lists (`before` → `after`). */
export interface FindingsDiff {
  /** In `after` only, in `after`'s order. */
  new: Finding[];
  /** In `before` only, in `before`'s order. */
  gone: Finding[];
  /** In both (as in `after`), in `after`'s order. */
  unchanged: Finding[];
  /** Counts by finding type, types sorted. */
  by_type: Record<string, FindingTypeCounts>;
}

/**
 * Matches the findings of two scans by identity (type, location without line,
 * fingerprint or masked evidence, occurrence), never by list position: a finding
 * that moved down a file is unchanged, a new value is new.
 */
export function diffFindings(before: readonly Finding[], after: readonly Finding[]): FindingsDiff {
  const beforeIds = findingIdentities(before);
  const afterIds = findingIdentities(after);
  const inBefore = new Set(beforeIds);
  const inAfter = new Set(afterIds);
  const diff: FindingsDiff = { new: [], gone: [], unchanged: [], by_type: {} };
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
