// `pnpm release:check`: what a user gets from the registry, without the monorepo. Builds,
// packs every public package (`pnpm pack`, which rewrites workspace: ranges), installs
// the tarballs with plain npm into empty folders, and there runs the `wct` binary on
// runbooks with personal-data scans of a folder and of a SQLite database, and a script that uses @wct/store-fs with only
// @wct/store-core beside it. A wrong `files`, `exports`, `bin` or dependency fails it.
// npm fetches third-party dependencies from the registry; better-sqlite3 builds from
// source against Node's own headers.
import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const work = mkdtempSync(join(tmpdir(), "wct-release-"));
const started = Date.now();
const keep = process.argv.includes("--keep");

const env = { ...process.env, TURBO_TELEMETRY_DISABLED: "1" };
// Lifecycle variables of the `pnpm release:check` that started this must not reach npm.
for (const name of Object.keys(env)) if (/^(npm|pnpm)_/i.test(name)) delete env[name];
const prefix = dirname(dirname(process.execPath));
if (existsSync(join(prefix, "include", "node", "node.h"))) env.npm_config_nodedir = prefix;
env.npm_config_audit = "false";
env.npm_config_fund = "false";
env.npm_config_update_notifier = "false";
// A @wct package missing from the tarballs must fail here, not come from the registry.
env["npm_config_@wct:registry"] = "http://127.0.0.1:9/";
// npm still asks that registry for each @wct manifest before taking the tarball given on
// its command line; with the default retries (10 s, then 60 s back-off) each refusal
// costs over a minute. A refusal is final, so ask once.
env.npm_config_fetch_retries = "0";

function step(title) {
  console.log(`\nrelease-check: ${title}`);
}

function fail(message) {
  console.error(`release-check: FAILED: ${message}`);
  process.exit(1);
}

function run(command, args, cwd, { capture = false } = {}) {
  const result = spawnSync(command, args, {
    cwd,
    env,
    encoding: "utf8",
    stdio: capture ? ["ignore", "pipe", "pipe"] : "inherit",
  });
  if (result.status !== 0) {
    if (capture) process.stderr.write(result.stdout + result.stderr);
    fail(`${command} ${args.join(" ")} exited with ${result.status ?? result.signal} (in ${cwd})`);
  }
  return result;
}

try {
  step("build");
  run("pnpm", ["exec", "turbo", "run", "build", "--output-logs=errors-only"], root);

  step("pack every public package");
  const tarballs = join(work, "tarballs");
  mkdirSync(tarballs);
  const packages = {};
  for (const group of ["packages", "apps"]) {
    for (const name of readdirSync(join(root, group))) {
      const dir = join(root, group, name);
      if (!existsSync(join(dir, "package.json"))) continue;
      const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
      if (manifest.private) continue;
      const before = new Set(readdirSync(tarballs));
      run("pnpm", ["pack", "--pack-destination", tarballs], dir, { capture: true });
      const made = readdirSync(tarballs).filter((file) => !before.has(file));
      if (made.length !== 1) fail(`pnpm pack of ${manifest.name} made ${made.length} tarballs`);
      packages[manifest.name] = { tarball: join(tarballs, made[0]), version: manifest.version };
    }
  }
  console.log(Object.keys(packages).join(", "));
  const tarballOf = (name) => packages[name]?.tarball ?? fail(`${name} is not a public package`);

  step("@wct/store-fs with only @wct/store-core beside it");
  const lib = join(work, "lib");
  mkdirSync(lib);
  writeFileSync(
    join(lib, "package.json"),
    '{ "name": "release-check-lib", "private": true, "type": "module" }\n',
  );
  run(
    "npm",
    [
      "install",
      "--no-save",
      "--loglevel=error",
      tarballOf("@wct/store-fs"),
      tarballOf("@wct/store-core"),
    ],
    lib,
  );
  const installed = readdirSync(join(lib, "node_modules", "@wct")).sort();
  if (installed.join(",") !== "store-core,store-fs")
    fail(`installing store-fs brought @wct packages ${installed.join(", ")}`);
  writeFileSync(
    join(lib, "save-and-read.mjs"),
    `import { createFsStore } from "@wct/store-fs";
import { messageDigest } from "@wct/store-core";

const store = createFsStore({ baseDir: "store" });
const message = {
  id: "greeting",
  schema: { name: "text", version: "1.0.0" },
  content: { text: "hello" },
  run_id: "run-1",
  source: "release-check",
  timestamp: new Date(0).toISOString(),
  execution: { status: "completed", error: null, duration_ms: 1, origin: "release-check", alias: null },
};
const digest = await store.save("run-1", "greeting", message);
const read = await store.get("run-1", "greeting");
await store.close();
if (read.content.text !== "hello") throw new Error("read back something else");
if (digest !== messageDigest(read)) throw new Error("digest mismatch");
console.log("saved and read", digest);
`,
  );
  run("node", ["save-and-read.mjs"], lib);

  step("install the binary's package and everything it needs, with npm");
  const app = join(work, "app");
  mkdirSync(app);
  writeFileSync(join(app, "package.json"), '{ "name": "release-check", "private": true }\n');
  const appTarballs = Object.keys(packages)
    .filter((name) => name !== "@wct/store-conformance" && name !== "@wct/store-memory")
    .map(tarballOf);
  run("npm", ["install", "--no-save", "--loglevel=error", ...appTarballs], app);
  const wct = join(app, "node_modules", ".bin", "wct");
  if (!existsSync(wct)) fail("npm did not link a wct binary");

  step("wct --version");
  const version = run(wct, ["--version"], app, { capture: true }).stdout.trim();
  if (version !== packages["@wct/wct"].version)
    fail(`wct --version printed "${version}", expected ${packages["@wct/wct"].version}`);
  console.log(version);

  step("wct run: a personal-data scan of a small folder");
  mkdirSync(join(app, "data"));
  writeFileSync(
    join(app, "data", "contacts.txt"),
    "Ask jane.doe@example.test or call +44 7700 900123.\nNothing here.\n",
  );
  writeFileSync(
    join(app, "scan.yaml"),
    `name: release check
description: a personal-data scan run from the installed tarballs
artifacts:
  files:
    source: { type: filesystem, properties: { path: ./data } }
  findings:
    inputs: files
    process: { type: personal_data }
    output: true
`,
  );
  const runOut = run(wct, ["run", "scan.yaml", "--json"], app, { capture: true }).stdout;
  const summary = JSON.parse(runOut);
  if (summary.status !== "completed") fail(`wct run ended ${summary.status}`);
  // Through the binary, as a user reads it: the findings artifact is stored as a stream
  // (`findings.jsonl.br`), and `inspect --json` prints it as one Message whatever its form.
  const findingsText = run(wct, ["inspect", summary.run_id, "findings", "--json"], app, {
    capture: true,
  }).stdout;
  const findings = JSON.parse(findingsText).content.findings;
  const types = findings.map((finding) => finding.type).sort();
  for (const expected of ["email", "phone_number"])
    if (!types.includes(expected)) fail(`no ${expected} finding; found: ${types.join(", ")}`);
  if (findingsText.includes("jane.doe@example.test")) fail("the findings hold an unmasked email");
  console.log(`run ${summary.run_id}: ${types.join(", ")}`);

  // The binary is a bundle that leaves the native SQLite driver outside: it must find the
  // one npm installed for @wct/plugin-sqlite.
  step("wct run: a personal-data scan of a SQLite database");
  writeFileSync(
    join(app, "make-db.cjs"),
    `const Database = require("better-sqlite3");
const db = new Database("shop.db");
db.exec("CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT)");
db.prepare("INSERT INTO customers (email) VALUES (?)").run("sam.lee@example.test");
db.close();
`,
  );
  run("node", ["make-db.cjs"], app);
  writeFileSync(
    join(app, "db.yaml"),
    `name: release check db
description: a personal-data scan of a database, run from the installed tarballs
artifacts:
  db:
    source: { type: sqlite, properties: { database_path: ./shop.db } }
  db_findings:
    inputs: db
    process: { type: personal_data }
    output: true
`,
  );
  const dbRun = JSON.parse(run(wct, ["run", "db.yaml", "--json"], app, { capture: true }).stdout);
  if (dbRun.status !== "completed") fail(`the database scan ended ${dbRun.status}`);
  const dbFindings = JSON.parse(
    run(wct, ["inspect", dbRun.run_id, "db_findings", "--json"], app, { capture: true }).stdout,
  ).content.findings;
  if (!dbFindings.some((finding) => finding.type === "email"))
    fail("the database scan found no email");
  console.log(`run ${dbRun.run_id}: ${dbFindings.map((finding) => finding.type).join(", ")}`);

  console.log(`\nrelease-check passed in ${((Date.now() - started) / 1000).toFixed(0)}s`);
} finally {
  if (keep) console.log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
