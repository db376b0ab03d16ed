/**
 * Identity of personal-data findings across runs: what makes "the same finding" in two
 * scans, so a baseline can tell new findings from known ones and a suppression can name
 * one. Lines are left out on purpose: editing code above a finding shifts its line
 * without making it a different finding.
 */
import { createHash } from "node:crypto";

/** The parts of a finding its identity is built from (a `personal_data_finding` item). */
export interface IdentifiableFinding {
  type: string;
  location:
    | { kind: "file"; path: string; line?: number; column?: number }
    | { kind: "sqlite"; path: string; table: string; column: string; rowid?: number | null };
  evidence: string | null;
  fingerprint: string | null;
}

/**
 * The stable identity of `finding`: a hex digest of its type, its location without the
 * line (the path; the table and column for SQLite), its masked evidence and its
 * fingerprint, followed by `#<occurrence>` — the index of this finding among the findings
 * of one run with the same digest, in the order they were reported (0 for the first) — so
 * repeats of one value in one file stay distinct.
 */
export function findingIdentity(finding: IdentifiableFinding, occurrence = 0): string {
  const l = finding.location;
  const where = l.kind === "sqlite" ? ["sqlite", l.path, l.table, l.column] : ["file", l.path];
  const digest = createHash("sha256")
    .update(JSON.stringify([finding.type, where, finding.evidence, finding.fingerprint]))
    .digest("hex")
    .slice(0, 32);
  return `${digest}#${occurrence}`;
}

/** Findings of `current` sorted by their state against a baseline (`diffFindings`). */
export interface FindingsDiff<T> {
  /** In `current` only. */
  new: T[];
  /** In both (the item from `current`). */
  unchanged: T[];
  /** In the baseline only (the item from the baseline). */
  absent: T[];
}

function withIdentities<T extends IdentifiableFinding>(findings: Iterable<T>): Map<string, T> {
  const occurrences = new Map<string, number>();
  const byIdentity = new Map<string, T>();
  for (const finding of findings) {
    const base = findingIdentity(finding);
    const n = occurrences.get(base) ?? 0;
    occurrences.set(base, n + 1);
    byIdentity.set(n === 0 ? base : findingIdentity(finding, n), finding);
  }
  return byIdentity;
}

/**
 * Compares the findings of a `baseline` run with those of the `current` one by
 * `findingIdentity` (occurrences counted in each run's order): new, unchanged, absent.
 */
export function diffFindings<T extends IdentifiableFinding>(
  baseline: Iterable<T>,
  current: Iterable<T>,
): FindingsDiff<T> {
  const before = withIdentities(baseline);
  const after = withIdentities(current);
  const diff: FindingsDiff<T> = { new: [], unchanged: [], absent: [] };
  for (const [identity, finding] of after) {
    (before.has(identity) ? diff.unchanged : diff.new).push(finding);
  }
  for (const [identity, finding] of before) if (!after.has(identity)) diff.absent.push(finding);
  return diff;
}
