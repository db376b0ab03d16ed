// Hostile processes (issue 14) where the process itself matters: signals during
// shutdown and a store another user cannot read. Failures escaping a component are in
// escaped-failures.e2e.test.ts, killed writers' temporary files in crash.e2e.test.ts,
// the other hostile cases in-process in hostile.test.ts. Each checks codes, exit codes
// and what the store holds afterwards (never message text).
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, existsSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { completedRun, hostileRunbook, pluginFolder } from "./fixtures/folders.js";
import {
  NO_STACK,
  readRunJson,
  removeDir,
  runIdFrom,
  startWct,
  systemFile,
  WCT_BIN,
  waitForFile,
} from "./helpers.js";

/** Runs several CLI commands in one process: see the fixture. */
const CLI_COMMANDS = fileURLToPath(new URL("./fixtures/cli-commands.mjs", import.meta.url));

let dir: string;
let store: string;
beforeEach(() => ({ dir, store } = pluginFolder()));
afterEach(() => removeDir(dir));

describe("a second signal during shutdown", () => {
  // Two independent artifacts waiting on a file that never appears: the run is
  // interrupted mid-flight. The second signal comes either at once or once wct said it
  // is stopping (while it writes its final checkpoint).
  const trials: Array<[NodeJS.Signals, NodeJS.Signals, "at once" | "after the first is handled"]> =
    [
      ["SIGTERM", "SIGTERM", "at once"],
      ["SIGTERM", "SIGTERM", "after the first is handled"],
      ["SIGINT", "SIGTERM", "after the first is handled"],
      ["SIGINT", "SIGINT", "at once"],
      ["SIGTERM", "SIGINT", "after the first is handled"],
    ];
  it("still marks the run interrupted and releases its lock, exit 130, in every trial", async () => {
    writeFileSync(
      join(dir, "rb.yaml"),
      hostileRunbook(
        "  a:\n    source: {type: numbers, properties: {started_file: a.started, wait_for_file: never}}\n  b:\n    source: {type: numbers, properties: {wait_for_file: never}}\n",
      ),
    );
    for (const [i, [first, second, when]] of trials.entries()) {
      rmSync(join(dir, "a.started"), { force: true });
      const run = startWct(["run", "rb.yaml", "--store", store], { cwd: dir });
      await waitForFile(join(dir, "a.started"));
      const lines = await run.stderrLines(1);
      run.child.kill(first);
      if (when === "after the first is handled") {
        const before = run.stderr().split("\n").filter(Boolean).length;
        await run.stderrLines(before + 1);
      }
      run.child.kill(second);
      const result = await run.done;
      const what = `trial ${i} (${first} then ${second} ${when}): ${result.stderr}`;
      expect(result.signal, what).toBeNull();
      expect(result.code, what).toBe(130);
      const runId = runIdFrom(lines.join("\n"));
      expect(readRunJson(store, runId)["status"], what).toBe("interrupted");
      expect(existsSync(systemFile(store, runId, "lock.json")), what).toBe(false);
    }
  });
});

describe("a run whose _system folder cannot be read", () => {
  // Root reads any folder: as root, wct runs as nobody over a store it may otherwise use.
  const asUser =
    process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : ({} as Record<string, never>);

  /**
   * Runs the commands one after another in one process of that user (the uid is the
   * subject, not the process per command), wired as the binary wires them.
   */
  function wctAs(commands: string[][]): Array<{ code: number; stdout: string; stderr: string }> {
    const child = spawnSync(process.execPath, [CLI_COMMANDS, JSON.stringify(commands)], {
      cwd: dir,
      encoding: "utf8",
      env: { ...process.env, WCT_DEBUG: undefined, WCT_STORE: undefined },
      timeout: 60_000,
      ...asUser,
    });
    expect(child.status, child.stderr).toBe(0);
    return JSON.parse(child.stdout);
  }

  // As root the test needs \`nobody\` to reach the built CLI; a checkout inside a
  // folder only root may enter (mktemp -d is 0700) cannot give it that.
  const reachable =
    process.getuid?.() !== 0 ||
    spawnSync(
      process.execPath,
      [
        "-e",
        `for (const f of ${JSON.stringify([WCT_BIN, CLI_COMMANDS])}) require("node:fs").accessSync(f)`,
      ],
      {
        ...asUser,
        timeout: 30_000,
      },
    ).status === 0;
  if (!reachable) {
    console.warn(
      `skipping "a run whose _system folder cannot be read": user nobody cannot reach ${WCT_BIN}`,
    );
  }

  it.skipIf(!reachable)(
    "is listed by runs with the reason, and inspect and resume say why, without a stack",
    async () => {
      const broken = await completedRun(dir, store);
      const fine = await completedRun(dir, store);
      execFileSync("chmod", ["-R", "a+rwX", dir]);
      chmodSync(join(store, "runs", broken, "_system"), 0o000);
      try {
        const refusals = [
          ["inspect", broken, "--store", store],
          ["run", "rb.yaml", "--resume", broken, "--store", store],
        ];
        const [runs, ...refused] = wctAs([["runs", "--json", "--store", store], ...refusals]);
        expect(runs?.code, runs?.stderr).toBe(0);
        const listed = JSON.parse(runs!.stdout) as Array<{ run_id: string; status: string }>;
        expect(listed.find((r) => r.run_id === fine)?.status).toBe("completed");
        expect(listed.find((r) => r.run_id === broken)?.status).toBe("unreadable");
        for (const [i, result] of refused.entries()) {
          // A run that cannot be read is bad input to inspect and resume: exit 2.
          expect(result.code, refusals[i]!.join(" ")).toBe(2);
          expect(result.stderr).toContain("[ERR_RUN_CORRUPT]");
          expect(result.stderr).not.toMatch(NO_STACK);
        }
      } finally {
        chmodSync(join(store, "runs", broken, "_system"), 0o700);
      }
    },
  );
});
