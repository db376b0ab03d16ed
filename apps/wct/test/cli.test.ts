import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cliFolder } from "./fixtures/folders.js";
import { NO_STACK, removeDir, runIdFrom } from "./helpers.js";
import { wctInProcess } from "./in-process.js";

let dir: string;
beforeEach(() => {
  dir = cliFolder();
});
afterEach(() => removeDir(dir));

describe("wct basics", () => {
  it("--help lists the commands with examples", async () => {
    const result = await wctInProcess(["--help"], { cwd: dir });
    expect(result.code).toBe(0);
    for (const command of ["run", "runs", "validate", "components", "schema"]) {
      expect(result.stdout).toContain(command);
    }
    expect(result.stdout).toContain("Examples:");
  });

  it("an unknown command exits 2", async () => {
    const result = await wctInProcess(["frobnicate"], { cwd: dir });
    expect(result.code).toBe(2);
  });

  it("an unknown flag exits 2", async () => {
    const result = await wctInProcess(["run", "valid.yaml", "--frobnicate"], { cwd: dir });
    expect(result.code).toBe(2);
  });

  it("WCT_DEBUG=1 prints the stack trace of an error", async () => {
    const result = await wctInProcess(["run", "missing.yaml"], {
      cwd: dir,
      env: { WCT_DEBUG: "1" },
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("ERR_RUNBOOK_NOT_FOUND");
    expect(result.stderr).toMatch(NO_STACK);
  });

  it("schema prints the runbook JSON Schema", async () => {
    const result = await wctInProcess(["schema"], { cwd: dir });
    expect(result.code).toBe(0);
    const schema = JSON.parse(result.stdout);
    expect(schema.properties).toHaveProperty("artifacts");
  });
});

describe("wct validate", () => {
  it("prints the plan summary of a valid runbook and exits 0", async () => {
    const result = await wctInProcess(["validate", "valid.yaml"], { cwd: dir });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("2 artifacts");
    expect(result.stdout).toMatch(/b\s+processor sum/);
  });

  it("--json prints the summary as JSON", async () => {
    const result = await wctInProcess(["validate", "valid.yaml", "--json"], { cwd: dir });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      valid: true,
      name: "valid",
      artifact_count: 2,
    });
  });

  it("reports every mistake of a broken runbook with its line, and exits 2", async () => {
    const result = await wctInProcess(["validate", "broken.yaml", "--json"], { cwd: dir });
    expect(result.code).toBe(2);
    const report = JSON.parse(result.stdout);
    expect(report.valid).toBe(false);
    const lines = new Set(report.diagnostics.map((d: { line: number }) => d.line));
    expect(report.diagnostics.length).toBeGreaterThanOrEqual(5);
    for (const line of [5, 10, 14, 16])
      expect(lines, `a diagnostic on line ${line}`).toContain(line);
    expect([...lines].some((line) => Number(line) >= 7 && Number(line) <= 9)).toBe(true);
  });

  it("reports an unknown key and an unknown input of one artifact together", async () => {
    writeFileSync(
      join(dir, "typo.yaml"),
      `name: typo
description: a misspelt key and an unknown input
plugins: [./test-plugin.mjs]
artifacts:
  nums:
    source: { type: numbers }
  total:
    inputs: numz
    proces: { type: sum }
`,
    );
    const result = await wctInProcess(["validate", "typo.yaml", "--json"], { cwd: dir });
    expect(result.code).toBe(2);
    const report = JSON.parse(result.stdout);
    expect(report.diagnostics.map((d: { code: string; line: number }) => [d.code, d.line])).toEqual(
      [
        ["ERR_UNKNOWN_ARTIFACT", 8],
        ["ERR_UNKNOWN_KEY", 9],
      ],
    );
  });

  it("prints errors as file:line:col without --json", async () => {
    const result = await wctInProcess(["validate", "broken.yaml"], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/broken\.yaml:5:\d+: /);
    expect(result.stderr).toContain("ERR_MISSING_ENV");
  });
});

describe("wct runs", () => {
  it("lists runs newest first with full ids, and filters by status and limit", async () => {
    const first = runIdFrom((await wctInProcess(["run", "valid.yaml"], { cwd: dir })).stderr);
    const second = runIdFrom((await wctInProcess(["run", "valid.yaml"], { cwd: dir })).stderr);
    const listed = await wctInProcess(["runs", "--json"], { cwd: dir });
    expect(listed.code).toBe(0);
    const ids = JSON.parse(listed.stdout).map((r: { run_id: string }) => r.run_id);
    expect(ids).toEqual([second, first]);
    const limited = JSON.parse(
      (await wctInProcess(["runs", "--json", "--limit", "1"], { cwd: dir })).stdout,
    );
    expect(limited).toHaveLength(1);
    const failed = JSON.parse(
      (await wctInProcess(["runs", "--json", "--status", "failed"], { cwd: dir })).stdout,
    );
    expect(failed).toEqual([]);
    const text = await wctInProcess(["runs"], { cwd: dir });
    expect(text.stdout).toContain(second);
    expect(text.stdout).toContain("completed");
  });

  it("a run whose files are unreadable is listed as such with the reason", async () => {
    const good = runIdFrom((await wctInProcess(["run", "valid.yaml"], { cwd: dir })).stderr);
    const broken = "01900000-0000-7000-8000-000000000000";
    mkdirSync(join(dir, ".waivern", "runs", broken, "_system"), { recursive: true });
    writeFileSync(join(dir, ".waivern", "runs", broken, "_system", "run.json"), "{ not json");
    const listed = JSON.parse((await wctInProcess(["runs", "--json"], { cwd: dir })).stdout);
    const byId = Object.fromEntries(listed.map((r: { run_id: string }) => [r.run_id, r]));
    expect(byId[good].status).toBe("completed");
    expect(byId[broken].status).toBe("unreadable");
    expect(byId[broken].reason).toContain("ERR_CORRUPT_ENTRY");
  });

  it("an invalid --status exits 2", async () => {
    const result = await wctInProcess(["runs", "--status", "bogus"], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("ERR_USAGE");
  });
});

describe("wct components", () => {
  it("lists built-in and --plugin components with schemas", async () => {
    const result = await wctInProcess(["components", "--json", "--plugin", "./test-plugin.mjs"], {
      cwd: dir,
    });
    expect(result.code).toBe(0);
    const list = JSON.parse(result.stdout);
    const connectors = list.connectors.map((c: { type: string }) => c.type);
    expect(connectors).toEqual(expect.arrayContaining(["filesystem", "sqlite", "numbers"]));
    const processors = list.processors.map((p: { type: string }) => p.type);
    expect(processors).toEqual(expect.arrayContaining(["personal_data", "sum"]));
  });

  it("a plugin module that does not exist exits 2 naming it", async () => {
    const result = await wctInProcess(["components", "--plugin", "./nope.mjs"], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("ERR_PLUGIN_LOAD");
    expect(result.stderr).toContain("nope.mjs");
  });
});

describe("wct inspect", () => {
  it("shows a run's status and artifacts, and one artifact's stored Message", async () => {
    const runId = runIdFrom((await wctInProcess(["run", "valid.yaml"], { cwd: dir })).stderr);
    const shown = await wctInProcess(["inspect", runId.slice(0, 12)], { cwd: dir });
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(`run ${runId}  completed`);
    expect(shown.stdout).toMatch(/b\s+completed/);
    const message = await wctInProcess(["inspect", runId, "b", "--json"], { cwd: dir });
    expect(message.code).toBe(0);
    expect(JSON.parse(message.stdout)).toMatchObject({
      id: "b",
      content: [6],
      source: "processor:sum",
    });
  });

  it("an unknown artifact exits 2", async () => {
    const runId = runIdFrom((await wctInProcess(["run", "valid.yaml"], { cwd: dir })).stderr);
    const result = await wctInProcess(["inspect", runId, "nope"], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("ERR_ARTIFACT_NOT_FOUND");
  });
});
