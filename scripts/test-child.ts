import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { build } from "esbuild";

let outDir: string | undefined;
const bundles = new Map<string, Promise<string>>();

/**
 * Bundles a TypeScript script a test runs as a child process (workspace packages taken
 * from their sources, as in the tests) into one plain `.mjs` file and returns its path;
 * once per script and test process. Tests that kill children start many: under
 * `node --import tsx` each start costs about a second of CPU, a bundle a tenth of that.
 * The bundles live in a temporary folder removed when the test process exits.
 */
export function bundleChild(entry: string): Promise<string> {
  let bundle = bundles.get(entry);
  if (bundle === undefined) {
    bundle = bundleOnce(entry);
    bundles.set(entry, bundle);
  }
  return bundle;
}

async function bundleOnce(entry: string): Promise<string> {
  if (outDir === undefined) {
    const dir = mkdtempSync(join(tmpdir(), "wct-test-child-"));
    process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
    outDir = dir;
  }
  const outfile = join(outDir, `${bundles.size}-${basename(entry, ".ts")}.mjs`);
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    conditions: ["@wct/source"],
    external: ["better-sqlite3"],
    // Bundled CommonJS dependencies call require(): give the ES module one.
    banner: {
      js: 'import { createRequire } from "node:module"; const require = createRequire(import.meta.url);',
    },
    logLevel: "error",
  });
  return outfile;
}
