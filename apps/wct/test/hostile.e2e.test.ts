// Hostile plugins and processes (issue 14) where the process itself matters: failures
// that escape a component (uncaught exceptions, process.exit), signals during
// shutdown, kill -9, and a store another user cannot read. The other hostile cases run
// in-process (hostile.test.ts). Each checks codes, exit codes and what the store holds
// afterwards (never message text).
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { completedRun, hostileRunbook, pluginFolder } from "./fixtures/folders.js";
import {
  filesBelow,
  readRunJson,
  removeDir,
  runIdFrom,
  startWct,
  WCT_BIN,
  waitForFile,
  wct,
} from "./helpers.js";
import { wctInProcess } from "./in-process.js";

let dir: string;
let store: string;
beforeEach(() => ({ dir, store } = pluginFolder()));
afterEach(() => removeDir(dir));

const NO_STACK = /\n\s+at /;

function systemFile(runId: string, name: string): string {
  return join(store, "runs", runId, "_system", name);
}

describe("a plugin whose failure escapes its component", () => {
  const PLUGIN = `const S = { name: "s", version: "1.0.0" };
const c = (type, extract) => ({ type, description: type, outputSchema: S, extract });
const forever = () => new Promise(() => {});
export default {
  name: "escape",
  connectors: [
    c("timer_throw", async () => { setTimeout(() => { throw new Error("boom"); }, 5); return forever(); }),
    c("unhandled", async () => { Promise.reject(new Error("nobody catches")); return forever(); }),
    c("exit_zero", async () => { process.exit(0); }),
    c("exit_later", async () => { await new Promise((r) => setTimeout(r, 5)); process.exit(3); }),
    c("proxy", async () => {
      const trap = () => { throw new Error("trap"); };
      throw new Proxy({}, { get: trap, getPrototypeOf: trap, has: trap, ownKeys: trap });
    }),
    c("fine", async () => [1, 2, 3]),
  ],
};
`;
  beforeEach(() => writeFileSync(join(dir, "escape.mjs"), PLUGIN));

  const cases: Array<[string, string]> = [
    ["timer_throw", "ERR_COMPONENT_CRASHED"],
    ["unhandled", "ERR_COMPONENT_CRASHED"],
    ["exit_zero", "ERR_COMPONENT_CRASHED"],
    ["exit_later", "ERR_COMPONENT_CRASHED"],
    ["proxy", "ERR_COMPONENT_FAILED"],
  ];
  for (const [type, code] of cases) {
    it(`${type}: the artifact fails (${code}), independent work completes, the run is recorded and released, exit 1`, async () => {
      writeFileSync(
        join(dir, "rb.yaml"),
        `name: e\ndescription: e\nplugins: [./escape.mjs]\nartifacts:\n  bad:\n    source: {type: ${type}}\n  good:\n    source: {type: fine}\n`,
      );
      const result = await wct(["run", "rb.yaml", "--json", "--store", store], { cwd: dir });
      expect(result.code).toBe(1);
      expect(result.stderr).not.toMatch(NO_STACK);
      expect(result.stderr).not.toContain("ERR_STALLED");
      const summary = JSON.parse(result.stdout);
      const byId = Object.fromEntries(
        summary.artifacts.map((a: { id: string }) => [a.id, a]),
      ) as Record<string, { status: string; error: { code: string } | null }>;
      expect(byId["bad"]?.status).toBe("failed");
      expect(byId["bad"]?.error?.code).toBe(code);
      expect(byId["good"]?.status).toBe("completed");
      expect(readRunJson(store, summary.run_id)["status"]).toBe("failed");
      expect(existsSync(systemFile(summary.run_id, "lock.json"))).toBe(false);
      const state = JSON.parse(readFileSync(systemFile(summary.run_id, "state.json"), "utf8"));
      expect(state.failed).toEqual(["bad"]);
      expect(state.completed).toEqual(["good"]);
    });
  }
});

describe("an escaped failure that no artifact scheduled", () => {
  it("a timer set while the plugin module loaded throws: the run fails cleanly, exit 1", async () => {
    // The timer was set at import, outside any component, so no artifact answers for it.
    writeFileSync(
      join(dir, "loose.mjs"),
      `import { existsSync, writeFileSync } from "node:fs";
const go = new URL("./go", import.meta.url);
const timer = setInterval(() => { if (existsSync(go)) { clearInterval(timer); throw new Error("loose"); } }, 5);
export default { name: "loose", connectors: [{ type: "wait", description: "d", outputSchema: { name: "s", version: "1.0.0" },
  extract: ({ signal }) => { writeFileSync(go, ""); return new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason))); } }] };
`,
    );
    writeFileSync(
      join(dir, "rb.yaml"),
      "name: l\ndescription: l\nplugins: [./loose.mjs]\nartifacts:\n  a:\n    source: {type: wait}\n",
    );
    const result = await wct(["run", "rb.yaml", "--store", store], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("[ERR_COMPONENT_CRASHED]");
    expect(result.stderr).not.toMatch(NO_STACK);
    const runId = runIdFrom(result.stderr);
    expect(readRunJson(store, runId)["status"]).toBe("failed");
    expect(existsSync(systemFile(runId, "lock.json"))).toBe(false);
  });
});

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
      expect(existsSync(systemFile(runId, "lock.json")), what).toBe(false);
    }
  });
});

describe("temporary files left by killed writers", () => {
  function tempFiles(runId: string): string[] {
    return filesBelow(join(store, "runs", runId)).filter((f) => f.endsWith(".tmp"));
  }

  it("are removed by resume, in each of 4 kill -9 trials", async () => {
    const ids = ["a", "b", "c", "d", "e", "f"];
    writeFileSync(
      join(dir, "rb.yaml"),
      hostileRunbook(
        ids
          .map((id, i) =>
            i === 0
              ? `  ${id}:\n    source: {type: numbers, properties: {count: 50000}}\n`
              : `  ${id}:\n    inputs: ${ids[i - 1]}\n    process: {type: sum}\n`,
          )
          .join(""),
      ),
    );
    // A writer killed mid-write leaves `.<file>.<pid>.<token>.tmp`; the dead pid of a
    // process that just exited stands in for it where the kill left none.
    const dead = execFileSync(
      process.execPath,
      ["-e", "process.stdout.write(String(process.pid))"],
      {
        encoding: "utf8",
      },
    );
    for (let trial = 0; trial < 4; trial++) {
      const run = startWct(["run", "rb.yaml", "--store", store], { cwd: dir });
      const lines = await run.stderrLines(1 + trial);
      run.child.kill("SIGKILL");
      await run.done;
      const runId = runIdFrom(lines.join("\n"));
      writeFileSync(join(store, "runs", runId, `.a.json.${dead}.0badf00d1.tmp`), "{");
      writeFileSync(systemFile(runId, `.state.json.${dead}.0badf00d2.tmp`), "{");
      // The resume needs no process of its own: the killed writer's is gone.
      const resumed = await wctInProcess(["run", "rb.yaml", "--resume", runId, "--store", store], {
        cwd: dir,
      });
      expect(resumed.code, resumed.stderr).toBe(0);
      expect(tempFiles(runId), `trial ${trial}`).toEqual([]);
    }
  });
});

describe("a run whose _system folder cannot be read", () => {
  // Root reads any folder: as root, wct runs as nobody over a store it may otherwise use.
  const asUser =
    process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : ({} as Record<string, never>);

  function wctAs(args: string[]) {
    return spawnSync(process.execPath, [WCT_BIN, ...args], {
      cwd: dir,
      encoding: "utf8",
      env: { ...process.env, WCT_DEBUG: undefined, WCT_STORE: undefined },
      timeout: 60_000,
      ...asUser,
    });
  }

  // As root the test needs `nobody` to reach the built binary; a checkout inside a
  // folder only root may enter (mktemp -d is 0700) cannot give it that.
  const reachable =
    process.getuid?.() !== 0 ||
    spawnSync(
      process.execPath,
      ["-e", `require("node:fs").accessSync(${JSON.stringify(WCT_BIN)})`],
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
        const runs = wctAs(["runs", "--json", "--store", store]);
        expect(runs.status, runs.stderr).toBe(0);
        const listed = JSON.parse(runs.stdout) as Array<{ run_id: string; status: string }>;
        expect(listed.find((r) => r.run_id === fine)?.status).toBe("completed");
        expect(listed.find((r) => r.run_id === broken)?.status).toBe("unreadable");
        for (const args of [
          ["inspect", broken, "--store", store],
          ["run", "rb.yaml", "--resume", broken, "--store", store],
        ]) {
          const result = wctAs(args);
          // A run that cannot be read is bad input to inspect and resume: exit 2.
          expect(result.status, args.join(" ")).toBe(2);
          expect(result.stderr).toContain("[ERR_RUN_CORRUPT]");
          expect(result.stderr).not.toMatch(NO_STACK);
        }
      } finally {
        chmodSync(join(store, "runs", broken, "_system"), 0o700);
      }
    },
  );
});
