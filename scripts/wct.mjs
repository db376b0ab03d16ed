// `pnpm wct ...`: builds the workspace quietly (turbo caches it) and runs the binary.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const env = { ...process.env, TURBO_TELEMETRY_DISABLED: "1" };
const build = spawnSync("pnpm", ["exec", "turbo", "run", "build", "--output-logs=errors-only"], {
  cwd: root,
  env,
  stdio: ["ignore", "ignore", "inherit"],
});
if (build.status !== 0) {
  console.error("wct: the build failed; run `pnpm build` to see why.");
  process.exit(build.status ?? 1);
}
const bin = fileURLToPath(new URL("../apps/wct/bin/wct.js", import.meta.url));
// INIT_CWD is the folder `pnpm wct` was called from; relative paths are resolved there.
const run = spawnSync(process.execPath, [bin, ...process.argv.slice(2)], {
  cwd: process.env.INIT_CWD ?? process.cwd(),
  env,
  stdio: "inherit",
});
process.exit(run.status ?? (run.signal === "SIGINT" ? 130 : 1));
