import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CliErrorClass, CliErrorCode, ExitCode, errorClassOf, exitCodeFor } from "@wct/cli";
import { ExecutorErrorClass, ExecutorErrorCode, isExecutorError, readRunInfo } from "@wct/executor";
import { SourceErrorCode as FilesystemErrorCode } from "@wct/plugin-filesystem";
import {
  LabelledSetErrorClass,
  LabelledSetErrorCode,
  PersonalDataErrorCode,
} from "@wct/plugin-personal-data";
import { SourceErrorCode as SqliteErrorCode } from "@wct/plugin-sqlite";
import { ReportErrorClass, ReportErrorCode } from "@wct/report";
import {
  type ErrorClass,
  isStoreError,
  type StoreError,
  StoreErrorClass,
  StoreErrorCode,
} from "@wct/store-core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openStore } from "../src/main.js";
import { wctInProcess } from "./in-process.js";

const exitOfClass: Record<ErrorClass, number> = {
  input: ExitCode.Usage,
  conflict: ExitCode.Conflict,
  interrupted: ExitCode.Interrupted,
  failure: ExitCode.RunFailed,
  findings: ExitCode.FindingsFound,
};

// Every package of wct that raises errors, with its code set and the classes it declares.
const declaring: Array<[string, Record<string, string>, Record<string, ErrorClass>]> = [
  ["@wct/store-core", StoreErrorCode, StoreErrorClass],
  ["@wct/executor", ExecutorErrorCode, ExecutorErrorClass],
  ["@wct/cli", CliErrorCode, CliErrorClass],
  ["@wct/plugin-personal-data (eval)", LabelledSetErrorCode, LabelledSetErrorClass],
  ["@wct/report", ReportErrorCode, ReportErrorClass],
];
// Plugins' codes are component errors: each fails its artifact and the run exits 1.
const componentCodes: Array<[string, Record<string, string>]> = [
  ["@wct/plugin-filesystem", FilesystemErrorCode],
  ["@wct/plugin-sqlite", SqliteErrorCode],
  ["@wct/plugin-personal-data", PersonalDataErrorCode],
];

const coded = (code: string) => Object.assign(new Error(code), { code });

describe("exit codes derived from each package's error classes", () => {
  it("every error code of every package declares an exit class, and the CLI exits by it", () => {
    for (const [pkg, codes, classes] of declaring) {
      for (const code of Object.values(codes)) {
        const declared = classes[code];
        expect(declared, `${pkg} ${code}`).toBeDefined();
        expect(exitCodeFor(coded(code)), `${pkg} ${code}`).toBe(
          exitOfClass[declared as ErrorClass],
        );
      }
      // No class is declared for a code the package does not define.
      expect(Object.keys(classes).sort(), pkg).toEqual(Object.values(codes).sort());
    }
  });

  it("a code two packages define has the same class in both", () => {
    const seen = new Map<string, [string, ErrorClass]>();
    for (const [pkg, , classes] of declaring) {
      for (const [code, cls] of Object.entries(classes)) {
        const earlier = seen.get(code);
        if (earlier) expect(cls, `${code}: ${earlier[0]} vs ${pkg}`).toBe(earlier[1]);
        seen.set(code, [pkg, cls]);
      }
    }
  });

  it("plugin error codes are failures, never taken for bad input or a conflict", () => {
    for (const [pkg, codes] of componentCodes) {
      for (const code of Object.values(codes)) {
        expect(errorClassOf(code), `${pkg} ${code}`).toBe("failure");
      }
    }
  });
});

describe("a run whose run.json is corrupt", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "wct-exit-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function corruptRun(): Promise<string> {
    await writeFile(join(dir, "a.txt"), "hello\n");
    await writeFile(
      join(dir, "runbook.yaml"),
      [
        "name: corrupt",
        "description: one source",
        "artifacts:",
        "  files:",
        "    source:",
        "      type: filesystem",
        "      properties: { path: ./a.txt }",
        "    output: true",
        "",
      ].join("\n"),
    );
    const run = await wctInProcess(["run", "runbook.yaml", "--json", "--quiet"], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    const runId = (JSON.parse(run.stdout) as { run_id: string }).run_id;
    const runDir = join(dir, ".waivern", "runs", runId);
    const system = (await readdir(runDir, { recursive: true })).find((p) =>
      /(^|\/)run\.json$/.test(p),
    );
    expect(system).toBeDefined();
    await writeFile(join(runDir, system as string), '{"run_id": "torn');
    return runId;
  }

  it("inspecting it exits 2 with ERR_RUN_CORRUPT", async () => {
    const runId = await corruptRun();
    const result = await wctInProcess(["inspect", runId], { cwd: dir });
    expect(result.stderr).toContain("[ERR_RUN_CORRUPT]");
    expect(result.code).toBe(ExitCode.Usage);
  });

  it("inspecting it says what is wrong and gives one advice, not the store's as well", async () => {
    const runId = await corruptRun();
    const store = await openStore(".waivern", dir);
    const error = await readRunInfo(store, runId).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    await store.close();
    expect(isExecutorError(error, ExecutorErrorCode.RunCorrupt)).toBe(true);
    // The store's error, kept as the cause, carries advice of its own for another context.
    const cause = (error as Error).cause;
    expect(isStoreError(cause, StoreErrorCode.CorruptEntry)).toBe(true);
    const { problem, hint } = cause as StoreError;
    expect(hint).toBeDefined();
    const result = await wctInProcess(["inspect", runId], { cwd: dir });
    expect(result.stderr).toContain("[ERR_RUN_CORRUPT]");
    // The CLI shows paths below the working folder relative to it.
    expect(result.stderr).toContain(problem.split(`${dir}/`).join(""));
    expect(result.stderr).not.toContain(hint as string);
  });

  it("resuming it exits 2 with ERR_RUN_CORRUPT", async () => {
    const runId = await corruptRun();
    const result = await wctInProcess(["run", "runbook.yaml", "--resume", runId], { cwd: dir });
    expect(result.stderr).toContain("[ERR_RUN_CORRUPT]");
    expect(result.code).toBe(ExitCode.Usage);
  });
});
