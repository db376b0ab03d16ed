// Hostile input, stores and plugins (issue 14): each case reproduces one defect found
// by a black-box audit, run in-process, and checks codes, exit codes and
// what the store holds afterwards (never message text).
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { completedRun, hostileRunbook, pluginFolder } from "./fixtures/folders.js";
import { filesBelow, NO_STACK, readRunJson, removeDir, runIdFrom, systemFile } from "./helpers.js";
import { wctInProcess } from "./in-process.js";

let dir: string;
let store: string;
beforeEach(() => ({ dir, store } = pluginFolder()));
afterEach(() => removeDir(dir));

function mkfifo(path: string): void {
  rmSync(path, { force: true });
  execFileSync("mkfifo", [path]);
}

describe("a secret substituted into the runbook", () => {
  const SECRET = "hunter2-s3cr3t";
  const env = { SECRET_X: SECRET };

  function expectNowhere(...outputs: string[]): void {
    for (const text of outputs) expect(text).not.toContain(SECRET);
    for (const file of filesBelow(store)) {
      expect(readFileSync(file, "utf8"), file).not.toContain(SECRET);
    }
  }

  it("in a missing path is neither stored nor printed by run, --json and inspect", async () => {
    writeFileSync(
      join(dir, "rb.yaml"),
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the runbook text as written
      'name: s\ndescription: s\nartifacts:\n  a:\n    source: {type: filesystem, properties: {path: "./missing-${SECRET_X}"}}\n',
    );
    const run = await wctInProcess(["run", "rb.yaml", "--store", store], { cwd: dir, env });
    expect(run.code).toBe(1);
    const runId = runIdFrom(run.stderr);
    const json = await wctInProcess(["run", "rb.yaml", "--json", "--store", store], {
      cwd: dir,
      env,
    });
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout).artifacts[0].error.code).toBe("ERR_COMPONENT_FAILED");
    const inspectRun = await wctInProcess(["inspect", runId, "--store", store], { cwd: dir });
    const inspectArtifact = await wctInProcess(
      ["inspect", runId, "a", "--json", "--store", store],
      {
        cwd: dir,
      },
    );
    expect(JSON.parse(inspectArtifact.stdout).execution.status).toBe("failed");
    expectNowhere(
      run.stdout,
      run.stderr,
      json.stdout,
      json.stderr,
      inspectRun.stdout,
      inspectArtifact.stdout,
    );
  });

  it("in timeout, output_schema and reuse.from_run is not echoed by validation errors", async () => {
    writeFileSync(
      join(dir, "rb.yaml"),
      hostileRunbook(
        // biome-ignore lint/suspicious/noTemplateCurlyInString: the runbook text as written
        '  a:\n    source: {type: numbers}\n    timeout: ${SECRET_X}\n    output_schema: "${SECRET_X}/not a version"\n  b:\n    reuse: {from_run: "${SECRET_X}", artifact: a}\n',
      ),
    );
    for (const args of [
      ["validate", "rb.yaml", "--store", store],
      ["validate", "rb.yaml", "--json", "--store", store],
      ["run", "rb.yaml", "--store", store],
      ["run", "rb.yaml", "--json", "--store", store],
    ]) {
      const result = await wctInProcess(args, { cwd: dir, env });
      expect(result.code, args.join(" ")).toBe(2);
      expect(result.stdout + result.stderr).toContain("ERR_RUNBOOK_INVALID");
      expectNowhere(result.stdout, result.stderr);
    }
  });
});

describe("a store entry that is not a regular file", () => {
  it("state.json as a FIFO: inspect fails, runs lists the finished run from run.json, neither hangs", async () => {
    const runId = await completedRun(dir, store);
    mkfifo(systemFile(store, runId, "state.json"));
    const runs = await wctInProcess(["runs", "--json", "--store", store], { cwd: dir });
    expect(runs.code).toBe(0);
    const listed = JSON.parse(runs.stdout).find((r: { run_id: string }) => r.run_id === runId);
    expect(listed.status).toBe("completed");
    const inspect = await wctInProcess(["inspect", runId, "--store", store], { cwd: dir });
    expect(inspect.code).toBe(2);
    expect(inspect.stderr).toContain("[ERR_RUN_CORRUPT]");
    expect(inspect.stderr).not.toMatch(NO_STACK);
  });

  it("run.json as a FIFO: runs lists the run as unreadable, inspect fails, neither hangs", async () => {
    const runId = await completedRun(dir, store);
    mkfifo(systemFile(store, runId, "run.json"));
    const runs = await wctInProcess(["runs", "--json", "--store", store], { cwd: dir });
    expect(runs.code).toBe(0);
    const listed = JSON.parse(runs.stdout).find((r: { run_id: string }) => r.run_id === runId);
    expect(listed.status).toBe("unreadable");
    expect(listed.reason).toContain("ERR_NOT_A_FILE");
    const inspect = await wctInProcess(["inspect", runId, "--store", store], { cwd: dir });
    expect(inspect.code).toBe(2);
    expect(inspect.stderr).toContain("[ERR_RUN_CORRUPT]");
    expect(inspect.stderr).not.toMatch(NO_STACK);
  });

  it("an artifact as a FIFO: inspect refuses it, resume produces it again", async () => {
    const runId = await completedRun(dir, store);
    mkfifo(join(store, "runs", runId, "a.json"));
    const inspect = await wctInProcess(["inspect", runId, "a", "--store", store], { cwd: dir });
    expect(inspect.code).toBe(1);
    expect(inspect.stderr).toContain("[ERR_NOT_A_FILE]");
    const resumed = await wctInProcess(
      ["run", "rb.yaml", "--resume", runId, "--json", "--store", store],
      {
        cwd: dir,
      },
    );
    expect(resumed.code).toBe(0);
    const a = JSON.parse(resumed.stdout).artifacts.find((x: { id: string }) => x.id === "a");
    expect(a.kept).toBe(false);
    expect(readRunJson(store, runId)["status"]).toBe("completed");
  });

  it("lock.json as a FIFO: resume says the lock is unusable instead of hanging", async () => {
    const runId = await completedRun(dir, store);
    mkfifo(systemFile(store, runId, "lock.json"));
    const resumed = await wctInProcess(["run", "rb.yaml", "--resume", runId, "--store", store], {
      cwd: dir,
    });
    expect(resumed.code).toBe(1);
    expect(resumed.stderr).toContain("[ERR_LOCK_UNUSABLE]");
  });
});

describe("a runs folder that is a symbolic link", () => {
  it("runs, inspect and resume refuse it (ERR_UNSAFE_PATH) and read nothing through it", async () => {
    const runId = await completedRun(dir, store);
    const elsewhere = join(dir, "elsewhere");
    renameSync(join(store, "runs"), elsewhere);
    symlinkSync(elsewhere, join(store, "runs"));
    for (const args of [
      ["runs", "--json"],
      ["inspect", runId],
      ["inspect", runId, "a"],
      ["run", "rb.yaml", "--resume", runId],
    ]) {
      const refused = await wctInProcess([...args, "--store", store], { cwd: dir });
      expect(refused.code, args.join(" ")).toBe(1);
      expect(refused.stdout, args.join(" ")).toBe("");
      expect(refused.stderr, args.join(" ")).toContain("[ERR_UNSAFE_PATH]");
      expect(refused.stderr, args.join(" ")).not.toMatch(NO_STACK);
    }
  });
});

describe("a lock.json that cannot be a live lease", () => {
  it("a folder: resume says so (ERR_LOCK_UNUSABLE), not that another process holds it", async () => {
    const runId = await completedRun(dir, store);
    mkdirSync(systemFile(store, runId, "lock.json"));
    const resumed = await wctInProcess(["run", "rb.yaml", "--resume", runId, "--store", store], {
      cwd: dir,
    });
    expect(resumed.code).toBe(1);
    expect(resumed.stderr).toContain("[ERR_LOCK_UNUSABLE]");
    rmSync(systemFile(store, runId, "lock.json"), { recursive: true });
    const again = await wctInProcess(["run", "rb.yaml", "--resume", runId, "--store", store], {
      cwd: dir,
    });
    expect(again.code).toBe(0);
  });

  it("a dangling symbolic link: resume says so (ERR_LOCK_UNUSABLE)", async () => {
    const runId = await completedRun(dir, store);
    symlinkSync(join(dir, "nowhere"), systemFile(store, runId, "lock.json"));
    const resumed = await wctInProcess(["run", "rb.yaml", "--resume", runId, "--store", store], {
      cwd: dir,
    });
    expect(resumed.code).toBe(1);
    expect(resumed.stderr).toContain("[ERR_LOCK_UNUSABLE]");
  });
});

describe("inspect of an artifact edited after it was saved", () => {
  it("warns that the bytes do not match the recorded digest", async () => {
    const runId = await completedRun(dir, store);
    const file = join(store, "runs", runId, "a.json");
    const clean = await wctInProcess(["inspect", runId, "a", "--store", store], { cwd: dir });
    expect(clean.stderr).not.toContain("ERR_DIGEST_MISMATCH");
    const message = JSON.parse(readFileSync(file, "utf8"));
    message.content = [7, 7, 7];
    writeFileSync(file, JSON.stringify(message));
    for (const args of [
      ["inspect", runId, "a", "--store", store],
      ["inspect", runId, "a", "--json", "--store", store],
    ]) {
      const edited = await wctInProcess(args, { cwd: dir });
      expect(edited.code).toBe(0);
      expect(edited.stderr).toContain("[ERR_DIGEST_MISMATCH]");
    }
  });
});

describe("a plugin returning undefined inside an array", () => {
  it("fails the artifact with ERR_INVALID_OUTPUT instead of storing null", async () => {
    writeFileSync(
      join(dir, "holes.mjs"),
      `export default { name: "holes", connectors: [{ type: "holes", description: "d", outputSchema: { name: "s", version: "1.0.0" }, async extract() { return { list: [1, undefined, 3], sparse: [1, , 3] }; } }] };\n`,
    );
    writeFileSync(
      join(dir, "rb.yaml"),
      "name: h\ndescription: h\nplugins: [./holes.mjs]\nartifacts:\n  a:\n    source: {type: holes}\n",
    );
    const result = await wctInProcess(["run", "rb.yaml", "--json", "--store", store], { cwd: dir });
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout).artifacts[0].error.code).toBe("ERR_INVALID_OUTPUT");
  });
});
