import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository's root folder. */
export const REPO = fileURLToPath(new URL("../", import.meta.url));
/** The `wct` binary, which runs the built bundle (`apps/wct/dist/bundle/`). */
export const WCT_BIN = join(REPO, "apps/wct/bin/wct.js");
/** The bundled entry the binary runs (`runWct`), as built by apps/wct/scripts/bundle.mjs. */
export const WCT_DIST_MAIN = join(REPO, "apps/wct/dist/bundle/main.js");

/**
 * Builds the binary for a benchmark (`pnpm build`: turbo makes it cheap when nothing
 * changed). When the build fails, `label` warns that the existing `dist/` is measured, or
 * exits when there is none, since then there is nothing to measure.
 */
export function buildBinary(label: string): void {
  try {
    execFileSync("pnpm", ["build"], {
      cwd: REPO,
      stdio: ["ignore", "ignore", "pipe"],
      env: { ...process.env, TURBO_TELEMETRY_DISABLED: "1" },
    });
  } catch (error) {
    if (!existsSync(WCT_DIST_MAIN)) {
      console.error(
        `${label}: \`pnpm build\` failed and ${WCT_DIST_MAIN} is missing, so there is no binary to measure. Run \`pnpm build\` to see why.`,
      );
      process.exit(1);
    }
    const stderr = String((error as { stderr?: Buffer }).stderr ?? "").trim();
    console.warn(
      `${label}: WARNING: \`pnpm build\` failed; measuring the existing dist/, which may be stale.\n${stderr.split("\n").slice(-5).join("\n")}`,
    );
  }
}
