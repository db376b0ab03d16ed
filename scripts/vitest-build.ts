import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

// End-to-end tests run the built binary: build every package once before they start.
export default function setup(): void {
  const root = fileURLToPath(new URL("..", import.meta.url));
  execFileSync("pnpm", ["run", "-s", "build", "--output-logs=errors-only"], {
    cwd: root,
    stdio: ["ignore", "ignore", "inherit"],
    env: { ...process.env, TURBO_TELEMETRY_DISABLED: "1" },
  });
}
