/**
 * fast-check's options for a property: `runs` cases in the everyday loop (`pnpm test`),
 * times `WCT_PROPERTY_RUNS_SCALE` when set. CI runs every property at scale 3; soak one
 * with a larger scale (e.g. `WCT_PROPERTY_RUNS_SCALE=20`). Each run draws a new seed,
 * and fast-check prints the seed and path of a failure: replay it with
 * `{ ...propertyRuns(n), seed, path }`.
 */
export function propertyRuns(runs: number): { numRuns: number } {
  const given = Number(process.env.WCT_PROPERTY_RUNS_SCALE ?? 1);
  const scale = Number.isFinite(given) && given > 0 ? given : 1;
  return { numRuns: Math.max(1, Math.round(runs * scale)) };
}
