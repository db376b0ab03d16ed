// `pnpm run setup`: installs the workspace. This machine has no network beyond the
// npm registry, so native addons (better-sqlite3) are built from source against the
// Node headers that ship with Node itself, when they are there.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";

const env = { ...process.env, TURBO_TELEMETRY_DISABLED: "1" };
if (!env.npm_config_nodedir) {
  const prefix = dirname(dirname(process.execPath));
  if (existsSync(join(prefix, "include", "node", "node.h"))) env.npm_config_nodedir = prefix;
}
// `--frozen` (CI) installs exactly the lockfile; any other argument goes to pnpm.
const extra = process.argv.slice(2).filter((arg) => arg !== "--frozen");
const args = [
  "install",
  ...(process.argv.includes("--frozen") ? ["--frozen-lockfile"] : []),
  ...extra,
];
const result = spawnSync("pnpm", args, { stdio: "inherit", env });
process.exit(result.status ?? 1);
