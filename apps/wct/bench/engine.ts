import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { REPO } from "../../../test-utils/binary.js";

/** The personal-data plugin as built (`packages/plugin-personal-data/dist/`). */
export const PERSONAL_DATA_DIST = join(REPO, "packages/plugin-personal-data/dist/index.js");

/**
 * The personal-data engine as it ships, for a benchmark's engine baseline (build first).
 * Not its TypeScript sources: `pnpm bench` runs benchmarks through tsx, which compiles
 * with esbuild's keepNames, and the `__name()` call it wraps around each closure the
 * engine creates made a database's short cells scan about half as fast (300,000 rows:
 * 6.0–6.7 s per pass from the sources, 3.3–4.8 s built), which flattered wct's ratio.
 */
export async function builtPersonalData(): Promise<typeof import("@wct/plugin-personal-data")> {
  return (await import(
    pathToFileURL(PERSONAL_DATA_DIST).href
  )) as typeof import("@wct/plugin-personal-data");
}
