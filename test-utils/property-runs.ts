/**
 * How many cases a randomised test tries: `runs` in the everyday loop (`pnpm test`),
 * times `WCT_PROPERTY_RUNS_SCALE` when set. CI runs every such test at scale 3; soak one
 * with a larger scale (e.g. `WCT_PROPERTY_RUNS_SCALE=20`). For fast-check properties
 * (each run draws new seeds; fast-check prints the seed and path of a failure, to replay
 * with `{ ...propertyRuns(n), seed, path }`) and for rounds of a race.
 */
export function scaledRuns(runs: number): number {
  const given = Number(process.env.WCT_PROPERTY_RUNS_SCALE ?? 1);
  const scale = Number.isFinite(given) && given > 0 ? given : 1;
  return Math.max(1, Math.round(runs * scale));
}

/** fast-check's options for a property of `runs` cases (see {@link scaledRuns}). */
export function propertyRuns(runs: number): { numRuns: number } {
  return { numRuns: scaledRuns(runs) };
}
