// The `wct` binary's bundle: `dist/bundle/main.js` (what bin/wct.js runs) and the
// personal-data scanning thread `dist/bundle/scan-worker.js`, built with esbuild from the
// packages' compiled `dist/` after `tsc`. Why: Node 20 loads ES modules one file at a
// time (resolve, read, compile), and `wct run` imported about 380 files (zod alone
// 105); in one bundle a run of a one-file tree takes about 0.2 CPU-seconds less.
// `dist/main.js` stays the package's programmatic entry; the bundle is only the binary's.
//
// Three places read files next to their own module, which a bundle moves; each rewrite
// checks that the code it rewrites is still there and fails the build if not:
// - a plugin's manifest (`../package.json`): inlined, as it was when bundled;
// - plugin-sqlite's native driver (`better-sqlite3`, left outside the bundle): required
//   from where `@wct/plugin-sqlite` is installed, as unbundled;
// - the scanning thread (`./scan-worker.js`): an entry of its own beside the chunks.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { placeOutputs } from "./place-outputs.mjs";

const app = fileURLToPath(new URL("..", import.meta.url));
const resolved = (specifier) => fileURLToPath(import.meta.resolve(specifier));

const MANIFEST_READ =
  /JSON\.parse\(readFileSync\(new URL\("\.\.\/package\.json", import\.meta\.url\), "utf8"\)\)/;
const SQLITE_REQUIRE = "createRequire(import.meta.url)";
// The files rewritten, each by one rewrite; every one must be met, or the bundle would
// read beside itself what is not there.
const REWRITES = [
  { file: "/plugin-filesystem/dist/index.js", rewrite: inlineManifest },
  { file: "/plugin-sqlite/dist/index.js", rewrite: inlineManifest },
  { file: "/apps/wct/dist/main.js", rewrite: inlineManifest },
  { file: "/plugin-sqlite/dist/database.js", rewrite: requireFromInstalledSqlite },
];
const escaped = (text) => text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
const REWRITTEN = new RegExp(`(?:${REWRITES.map(({ file }) => escaped(file)).join("|")})$`);

function rewrite(path, text, from, to) {
  const replaced = text.replace(from, to);
  if (replaced === text) {
    throw new Error(`bundle: ${path} no longer has ${from}; update apps/wct/scripts/bundle.mjs`);
  }
  return replaced;
}

// A manifest read beside the module: its name and version as they were when bundled.
function inlineManifest(path, text) {
  const manifest = JSON.parse(readFileSync(join(dirname(path), "../package.json"), "utf8"));
  const inlined = JSON.stringify({ name: manifest.name, version: manifest.version });
  return rewrite(path, text, MANIFEST_READ, `(${inlined})`);
}

// The native driver, required from where @wct/plugin-sqlite is installed.
function requireFromInstalledSqlite(path, text) {
  return rewrite(
    path,
    text,
    SQLITE_REQUIRE,
    'createRequire(import.meta.resolve("@wct/plugin-sqlite"))',
  );
}

const met = new Set();

/** @type {import("esbuild").Plugin} */
const placeDependent = {
  name: "wct-place-dependent",
  setup(b) {
    b.onLoad({ filter: REWRITTEN }, (args) => {
      const { file, rewrite: apply } = REWRITES.find(({ file }) => args.path.endsWith(file));
      met.add(file);
      return { contents: apply(args.path, readFileSync(args.path, "utf8")), loader: "js" };
    });
    // zod's namespace re-exports every locale (about 400 KB of the bundle); wct uses
    // none but English, which zod's schemas import themselves.
    b.onLoad({ filter: /\/zod\/v4\/locales\/index\.js$/ }, (args) => ({
      contents: 'export { default as en } from "./en.js";',
      loader: "js",
      resolveDir: dirname(args.path),
    }));
  },
};

const outdir = join(app, "dist/bundle");
// Built in memory, then placed file by file (place-outputs.mjs): a `wct` started during a
// rebuild still finds every file its entry imports.
const { outputFiles } = await build({
  entryPoints: {
    main: join(app, "dist/main.js"),
    "scan-worker": join(dirname(resolved("@wct/plugin-personal-data")), "scan-worker.js"),
  },
  outdir,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  external: ["better-sqlite3"],
  // CommonJS dependencies (yaml's Node build, commander, picomatch) call require().
  banner: {
    js: 'import { createRequire as __wctRequire } from "node:module"; const require = __wctRequire(import.meta.url);',
  },
  sourcemap: "linked",
  legalComments: "linked",
  logLevel: "warning",
  plugins: [placeDependent],
  write: false,
});

const unmet = REWRITES.filter(({ file }) => !met.has(file)).map(({ file }) => file);
if (unmet.length > 0) {
  throw new Error(`bundle: never loaded ${unmet.join(", ")}; update apps/wct/scripts/bundle.mjs`);
}

placeOutputs(outdir, outputFiles, new Set(["main.js", "scan-worker.js"]));
