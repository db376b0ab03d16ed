// What only the built binary shows: its version, from its package.json as bundled, error
// output at the process boundary, and large output through a pipe. The commands
// themselves are tested in-process (cli.test.ts).
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cliFolder } from "./fixtures/folders.js";
import { NO_STACK, REPO_ROOT, removeDir, runIdFrom, wct } from "./helpers.js";
import { wctInProcess } from "./in-process.js";

let dir: string;
beforeEach(() => {
  dir = cliFolder();
});
afterEach(() => removeDir(dir));

describe("wct basics", () => {
  it("--version prints the version and exits 0", async () => {
    const result = await wct(["--version"], { cwd: dir });
    expect(result.code).toBe(0);
    const manifest = JSON.parse(readFileSync(join(REPO_ROOT, "apps/wct/package.json"), "utf8"));
    expect(result.stdout.trim()).toBe(manifest.version);
  });

  // That WCT_DEBUG=1 prints the stack is the CLI's own doing, tested in-process
  // (cli.test.ts); the binary reads its environment as the streamed runs show.
  it("an error exits 2 with its code and no stack trace", async () => {
    const result = await wct(["run", "missing.yaml"], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("ERR_RUNBOOK_NOT_FOUND");
    expect(result.stderr).not.toMatch(NO_STACK);
  });
});

describe("output through a pipe", () => {
  it("large --json output arrives whole", async () => {
    writeFileSync(
      join(dir, "big.yaml"),
      `name: big
description: a large artifact
plugins: [./test-plugin.mjs]
artifacts:
  a:
    source: { type: numbers, properties: { count: 60000 } }
`,
    );
    // Only the output needs the process: the run is made in-process.
    const runId = runIdFrom((await wctInProcess(["run", "big.yaml"], { cwd: dir })).stderr);
    const result = await wct(["inspect", runId, "a", "--json"], { cwd: dir });
    expect(result.code).toBe(0);
    // Writes that do not wait for the pipe to drain, then an exit that does not either,
    // cut the output near the pipe's buffer (64 kB on Linux): it is several times that.
    expect(result.stdout.length).toBeGreaterThan(4 * 65_536);
    expect(JSON.parse(result.stdout).content).toHaveLength(60000);
  });
});
