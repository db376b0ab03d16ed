// `pnpm run setup`: installs the workspace. Native addons (better-sqlite3) are built
// against Node's own headers: `.pnpmfile.cjs` passes them to every install script, so
// nothing here depends on the environment this script was started with.
import { spawnSync } from "node:child_process";

const env = { ...process.env, TURBO_TELEMETRY_DISABLED: "1" };
// `--frozen` (CI) installs exactly the lockfile; any other argument goes to pnpm.
const extra = process.argv.slice(2).filter((arg) => arg !== "--frozen");
const args = [
  "install",
  ...(process.argv.includes("--frozen") ? ["--frozen-lockfile"] : []),
  ...extra,
];
const result = spawnSync("pnpm", args, { stdio: "inherit", env });
process.exit(result.status ?? 1);
