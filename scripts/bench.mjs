// `pnpm bench [filter]`: runs every packages/*/bench/*.bench.ts and apps/*/bench/*.bench.ts
// (sources, through tsx), or those whose path contains `filter`. Benchmarks print figures
// and ratios against a baseline measured in the same run; they never fail on timing.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";

const filter = process.argv[2] ?? "";
const files = [];
for (const root of ["packages", "apps"]) {
  for (const pkg of readdirSync(root).sort()) {
    const dir = join(root, pkg, "bench");
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir).sort()) {
      if (f.endsWith(".bench.ts") && join(dir, f).includes(filter)) files.push(join(dir, f));
    }
  }
}
if (files.length === 0) {
  console.error(`no benchmark matches ${JSON.stringify(filter)}`);
  process.exit(2);
}
let failed = false;
for (const file of files) {
  console.log(`\n=== ${file}`);
  const r = spawnSync(
    process.execPath,
    ["--conditions=@wct/source", "--import", "tsx", "--expose-gc", file],
    { stdio: "inherit", env: { ...process.env, TURBO_TELEMETRY_DISABLED: "1" } },
  );
  if (r.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
