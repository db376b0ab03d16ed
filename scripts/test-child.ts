import { createHash } from "node:crypto";
import { access, mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type BuildOptions, build, version } from "esbuild";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
/** Where the bundles live between test runs: a cache, removed with node_modules. */
const CHILD_BUNDLE_DIR = join(ROOT, "node_modules", ".cache", "wct-test-children");

const OPTIONS: BuildOptions = {
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
};

const bundles = new Map<string, Promise<string>>();

/** The bundle of entry `name` built from inputs of hash `hash`. */
const bundlePath = (name: string, hash: string) => join(CHILD_BUNDLE_DIR, `${name}-${hash}.mjs`);

/**
 * Bundles a TypeScript script a test runs as a child process (workspace packages taken
 * from their sources, as in the tests) into one plain `.mjs` file and returns its path.
 * Tests that kill children start many: under `node --import tsx` each start costs about
 * a second of CPU, a bundle a tenth of that.
 *
 * The bundles persist in {@link CHILD_BUNDLE_DIR}, named by a hash of every file that
 * went into them: a later test process, or a later run, reuses a bundle while none of
 * its sources changed, and builds a new one when one did.
 */
export function bundleChild(script: string): Promise<string> {
  const entry = resolve(script);
  let bundle = bundles.get(entry);
  if (bundle === undefined) {
    bundle = cachedBundle(entry);
    bundles.set(entry, bundle);
  }
  return bundle;
}

/** The files a bundle was built from, as recorded beside it. */
interface Manifest {
  inputs: string[];
}

async function cachedBundle(entry: string): Promise<string> {
  await mkdir(CHILD_BUNDLE_DIR, { recursive: true });
  // One name per entry (two fixtures may share a base name).
  const name = `${basename(entry, ".ts")}-${createHash("sha256").update(entry).digest("hex").slice(0, 8)}`;
  const manifestFile = join(CHILD_BUNDLE_DIR, `${name}.json`);
  const recorded = await readManifest(manifestFile);
  if (recorded !== undefined) {
    const hash = await hashOf(recorded.inputs);
    if (hash !== undefined) {
      const file = bundlePath(name, hash);
      const built = await access(file).then(
        () => true,
        () => false,
      );
      if (built) return file;
    }
  }
  return buildBundle(entry, name, manifestFile);
}

async function buildBundle(entry: string, name: string, manifestFile: string): Promise<string> {
  // Built under a name of this process, then renamed: test processes building the same
  // entry at once each put a whole file in place.
  const temp = join(CHILD_BUNDLE_DIR, `.${name}-${process.pid}.mjs`);
  const { metafile } = await build({
    ...OPTIONS,
    absWorkingDir: ROOT,
    entryPoints: [entry],
    outfile: temp,
    metafile: true,
  });
  const inputs = Object.keys(metafile.inputs).map((input) => join(ROOT, input));
  const hash = await hashOf(inputs);
  if (hash === undefined) throw new Error(`bundleChild: an input of ${entry} vanished`);
  const file = bundlePath(name, hash);
  await rename(temp, file);
  const manifestTemp = `${manifestFile}.${process.pid}.tmp`;
  await writeFile(manifestTemp, JSON.stringify({ inputs } satisfies Manifest));
  await rename(manifestTemp, manifestFile);
  // Bundles of this entry from sources since changed are of no further use.
  for (const other of await readdir(CHILD_BUNDLE_DIR)) {
    if (other.startsWith(`${name}-`) && other !== basename(file)) {
      await rm(join(CHILD_BUNDLE_DIR, other), { force: true });
    }
  }
  return file;
}

async function readManifest(file: string): Promise<Manifest | undefined> {
  try {
    const manifest = JSON.parse(await readFile(file, "utf8")) as Partial<Manifest>;
    return Array.isArray(manifest.inputs) ? { inputs: manifest.inputs } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A hash of esbuild's version, the build options and every input's path and bytes;
 * undefined if an input is gone.
 */
async function hashOf(inputs: string[]): Promise<string | undefined> {
  const hash = createHash("sha256").update(`${version}\0${JSON.stringify(OPTIONS)}`);
  for (const input of inputs) {
    const bytes = await readFile(input).catch(() => undefined);
    if (bytes === undefined) return undefined;
    hash.update(`${input}\0${bytes.length}\0`).update(bytes);
  }
  return hash.digest("hex").slice(0, 16);
}
