import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

// End-to-end tests run the built binary: build every package once before they start.
// turbo itself rather than `pnpm run build`: the same build without a pnpm start in
// front of it, which is most of the second this costs when turbo's cache has it all.
export default function setup(): void {
  const root = fileURLToPath(new URL("..", import.meta.url));
  execFileSync(
    join(root, "node_modules", ".bin", "turbo"),
    ["run", "build", "--output-logs=errors-only"],
    {
      cwd: root,
      stdio: ["ignore", "ignore", "inherit"],
      env: { ...process.env, TURBO_TELEMETRY_DISABLED: "1" },
    },
  );
}
