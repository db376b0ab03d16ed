import { diffFindings, findingIdentity } from "@wct/findings";
import type { Finding } from "@wct/plugin-personal-data";
import type { FindingsSource } from "./read.js";
import type { SuppressionMatcher } from "./suppressions.js";
import type { ReportFinding } from "./types.js";

/** Counts over the findings a report went through; filled as the stream is consumed. */
export interface ReportStats {
  /** Findings of the run (absent ones excluded). */
  present: number;
  /** Present findings no suppression covers. */
  unsuppressed: number;
  /** Present findings that are new against the baseline (all of them without one). */
  new: number;
  /** New findings no suppression covers: what `--fail-on new` counts. */
  new_unsuppressed: number;
  suppressed: number;
  absent: number;
}

/** Options of `annotateFindings`. */
export interface AnnotateOptions {
  /** The baseline run's findings: each finding is marked new, unchanged or absent. */
  baseline?: FindingsSource[];
  suppressions?: SuppressionMatcher;
}

/** Empty counters for `annotateFindings`. */
export function emptyStats(): ReportStats {
  return { present: 0, unsuppressed: 0, new: 0, new_unsuppressed: 0, suppressed: 0, absent: 0 };
}

async function collect(
  sources: FindingsSource[],
): Promise<Array<{ artifact: string; finding: Finding }>> {
  const all: Array<{ artifact: string; finding: Finding }> = [];
  for (const source of sources) {
    for await (const finding of source.findings)
      all.push({ artifact: source.artifact.id, finding });
  }
  return all;
}

/**
 * The run's findings as reported: identity, baseline state and suppression of each, in
 * one pass. Without a baseline nothing is held in memory but the identity counters; with
 * one, both runs' findings are (the diff needs them all), then absent findings follow.
 */
export async function* annotateFindings(
  sources: FindingsSource[],
  options: AnnotateOptions,
  stats: ReportStats,
): AsyncGenerator<ReportFinding> {
  const occurrences = new Map<string, number>();
  const identify = (finding: Finding) => {
    const base = findingIdentity(finding);
    const n = occurrences.get(base) ?? 0;
    occurrences.set(base, n + 1);
    return n === 0 ? base : findingIdentity(finding, n);
  };
  const present = (artifact: string, finding: Finding, isNew: boolean | null): ReportFinding => {
    const identity = identify(finding);
    const suppression = options.suppressions?.match(finding, identity) ?? null;
    stats.present++;
    if (suppression) stats.suppressed++;
    else stats.unsuppressed++;
    if (isNew !== false) {
      stats.new++;
      if (!suppression) stats.new_unsuppressed++;
    }
    const state = isNew === null ? null : isNew ? "new" : "unchanged";
    return { artifact, finding, identity, state, suppression };
  };

  if (options.baseline === undefined) {
    for (const source of sources) {
      for await (const finding of source.findings) yield present(source.artifact.id, finding, null);
    }
    return;
  }
  const current = await collect(sources);
  const before = await collect(options.baseline);
  const artifactOf = new Map<Finding, string>();
  for (const item of [...current, ...before]) artifactOf.set(item.finding, item.artifact);
  const diff = diffFindings(
    before.map((b) => b.finding),
    current.map((c) => c.finding),
  );
  const isNew = new Set(diff.new);
  for (const item of current) yield present(item.artifact, item.finding, isNew.has(item.finding));
  // An absent finding keeps the identity it had in the baseline run.
  const baselineIdentity = new Map<Finding, string>();
  const counts = new Map<string, number>();
  for (const { finding } of before) {
    const base = findingIdentity(finding);
    const n = counts.get(base) ?? 0;
    counts.set(base, n + 1);
    baselineIdentity.set(finding, n === 0 ? base : findingIdentity(finding, n));
  }
  for (const finding of diff.gone) {
    stats.absent++;
    yield {
      artifact: artifactOf.get(finding) ?? "",
      finding,
      identity: baselineIdentity.get(finding) ?? findingIdentity(finding),
      state: "absent",
      suppression: null,
    };
  }
}
