// Bad input a first-time user may give wct, run in-process: each case checks the stable code, the
// documented exit code and that nothing is stored by mistake (never message text).
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { pluginFolder } from "./fixtures/folders.js";
import { readRunJson, removeDir, runIdFrom } from "./helpers.js";
import { wctInProcess } from "./in-process.js";

let dir: string;
let store: string;
beforeEach(() => ({ dir, store } = pluginFolder()));
afterEach(() => removeDir(dir));

/** A runbook with the test plugin, the given `config:` body and `artifacts:` body. */
function runbook(artifacts: string, config = "{}"): string {
  return `name: bad-input\ndescription: bad input\nplugins: [./test-plugin.mjs]\nconfig: ${config}\nartifacts:\n${artifacts}`;
}

const ONE = "  a:\n    source: {type: numbers}\n";

interface ValidateReport {
  valid: boolean;
  error?: { code: string };
  diagnostics: Array<{ code: string; path: string; line: number }>;
}

async function validateJson(
  file: string,
): Promise<{ code: number | null; report: ValidateReport }> {
  const result = await wctInProcess(["validate", file, "--json", "--store", store], { cwd: dir });
  return { code: result.code, report: JSON.parse(result.stdout) as ValidateReport };
}

function storedRuns(): string[] {
  const runs = join(store, "runs");
  return existsSync(runs) ? readdirSync(runs).filter((name) => !name.startsWith(".")) : [];
}

describe("runbook values the runtime cannot honour", () => {
  it("refuses a timeout beyond what a timer can hold, instead of timing out at once", async () => {
    // 3,000,000 s overflowed setTimeout: the run failed with a timeout after 1 ms.
    writeFileSync(
      join(dir, "rb.yaml"),
      runbook("  a:\n    source: {type: numbers}\n    timeout: 3000000\n", "{timeout: 3000000}"),
    );
    const { code, report } = await validateJson("rb.yaml");
    expect(code).toBe(2);
    expect(report.diagnostics.map((d) => [d.code, d.path])).toEqual([
      ["ERR_INVALID_VALUE", "config.timeout"],
      ["ERR_INVALID_VALUE", "artifacts.a.timeout"],
    ]);
    const run = await wctInProcess(["run", "rb.yaml", "--store", store], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("[ERR_RUNBOOK_INVALID]");
    expect(storedRuns()).toEqual([]);
  });

  it("refuses an artifact id longer than a store key segment before anything runs", async () => {
    // It validated, then the run died at the save with ERR_INVALID_KEY, left "running".
    writeFileSync(join(dir, "rb.yaml"), runbook(`${ONE}  ${"x".repeat(300)}:\n    inputs: a\n`));
    const { code, report } = await validateJson("rb.yaml");
    expect(code).toBe(2);
    expect(report.diagnostics.map((d) => d.code)).toEqual(["ERR_INVALID_ID"]);
    const run = await wctInProcess(["run", "rb.yaml", "--store", store], { cwd: dir });
    expect(run.code).toBe(2);
    expect(storedRuns()).toEqual([]);
  });

  // Each id is short enough; the inlined `<directive>__<child id>` is not.
  it("refuses an inlined child artifact id longer than a store key segment", async () => {
    const child = "c".repeat(40);
    writeFileSync(
      join(dir, "kid.yaml"),
      `name: kid\ndescription: kid\ninputs:\n  files: {}\noutputs:\n  out: {artifact: ${child}}\nartifacts:\n  ${child}:\n    inputs: files\n`,
    );
    writeFileSync(
      join(dir, "rb.yaml"),
      runbook(
        `${ONE}  ${"d".repeat(100)}:\n    inputs: a\n    child_runbook: {path: ./kid.yaml}\n`,
      ),
    );
    const { code, report } = await validateJson("rb.yaml");
    expect(code).toBe(2);
    expect(report.error?.code).toBe("ERR_RUNBOOK_INVALID");
  });
});

describe("files that are not runbooks", () => {
  it("reports a binary file once, as not text", async () => {
    writeFileSync(join(dir, "rb.yaml"), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 0, 0, 0, 10]));
    const { code, report } = await validateJson("rb.yaml");
    expect(code).toBe(2);
    expect(report.diagnostics.map((d) => d.code)).toEqual(["ERR_YAML_SYNTAX"]);
  });

  it("reports only the syntax errors of YAML the parser had to guess at (tabs)", async () => {
    // The recovered shape used to add "unknown key" / "expected a mapping" errors for
    // keys that are in the right place.
    writeFileSync(
      join(dir, "rb.yaml"),
      "name: t\ndescription: t\nartifacts:\n\ta:\n\t\tsource: {type: numbers}\n",
    );
    const { code, report } = await validateJson("rb.yaml");
    expect(code).toBe(2);
    expect(new Set(report.diagnostics.map((d) => d.code))).toEqual(new Set(["ERR_YAML_SYNTAX"]));
  });

  it("reports a value of the wrong type once, not also against its length", async () => {
    writeFileSync(join(dir, "rb.yaml"), runbook(ONE).replace("name: bad-input", "name: []"));
    const { code, report } = await validateJson("rb.yaml");
    expect(code).toBe(2);
    expect(report.diagnostics.map((d) => [d.code, d.path])).toEqual([
      ["ERR_INVALID_VALUE", "name"],
    ]);
  });

  // Decoding leniently would turn the bad byte into U+FFFD: a name nobody wrote.
  it("refuses a runbook that is not valid UTF-8", async () => {
    writeFileSync(
      join(dir, "rb.yaml"),
      Buffer.concat([
        Buffer.from("name: caf"),
        Buffer.from([0xe9]),
        Buffer.from(runbook(ONE).slice(12)),
      ]),
    );
    const { code, report } = await validateJson("rb.yaml");
    expect(code).toBe(2);
    expect(report.error?.code).toBe("ERR_RUNBOOK_INVALID");
  });
});

describe("--store", () => {
  it("refuses an empty --store instead of using the working folder as the store", async () => {
    writeFileSync(join(dir, "rb.yaml"), runbook(ONE));
    for (const command of [["run", "rb.yaml"], ["validate", "rb.yaml"], ["runs"]]) {
      const result = await wctInProcess([...command, "--store", ""], { cwd: dir });
      expect(result.code, command.join(" ")).toBe(2);
      expect(result.stderr).toContain("[ERR_USAGE]");
    }
    expect(existsSync(join(dir, "runs"))).toBe(false);
  });

  it("treats an empty WCT_STORE as unset (.waivern)", async () => {
    writeFileSync(join(dir, "rb.yaml"), runbook(ONE));
    const result = await wctInProcess(["run", "rb.yaml"], { cwd: dir, env: { WCT_STORE: "" } });
    expect(result.code).toBe(0);
    expect(existsSync(join(dir, "runs"))).toBe(false);
    expect(existsSync(join(dir, ".waivern", "runs", runIdFrom(result.stderr)))).toBe(true);
  });
});

describe("wct inspect <run> <artifact>", () => {
  it("refuses a store key that is not an artifact id (no false 'corrupt' report)", async () => {
    writeFileSync(join(dir, "rb.yaml"), runbook(ONE));
    const runId = runIdFrom(
      (await wctInProcess(["run", "rb.yaml", "--store", store], { cwd: dir })).stderr,
    );
    for (const key of ["_system/run", "_system/state", "a/b", ""]) {
      const result = await wctInProcess(["inspect", runId, key, "--store", store], { cwd: dir });
      expect(result.code, key).toBe(2);
      expect(result.stderr).toContain("[ERR_USAGE]");
    }
    // The run itself is untouched and still reads back.
    expect(readRunJson(store, runId)["status"]).toBe("completed");
    const ok = await wctInProcess(["inspect", runId, "a", "--json", "--store", store], {
      cwd: dir,
    });
    expect(ok.code).toBe(0);
  });

  it("an unknown artifact keeps its code and exit 2", async () => {
    writeFileSync(join(dir, "rb.yaml"), runbook(ONE));
    const runId = runIdFrom(
      (await wctInProcess(["run", "rb.yaml", "--store", store], { cwd: dir })).stderr,
    );
    const result = await wctInProcess(["inspect", runId, "nope", "--store", store], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("[ERR_ARTIFACT_NOT_FOUND]");
  });
});

describe("usage errors of subcommands", () => {
  it("carry the stable code, like every other error", async () => {
    writeFileSync(join(dir, "rb.yaml"), runbook(ONE));
    for (const args of [
      ["run", "rb.yaml", "other.yaml"],
      ["run", "rb.yaml", "--stor", "x"],
      ["run"],
      ["runs", "--limit"],
      ["inspect"],
      ["schema", "extra"],
    ]) {
      const result = await wctInProcess(args, { cwd: dir });
      expect(result.code, args.join(" ")).toBe(2);
      expect(result.stderr, args.join(" ")).toContain("[ERR_USAGE]");
    }
  });

  it("--limit takes decimal digits only", async () => {
    for (const limit of ["0x10", "1e3", " 2", "0", "-1", "abc"]) {
      const result = await wctInProcess(["runs", "--limit", limit, "--store", store], { cwd: dir });
      expect(result.code, limit).toBe(2);
      expect(result.stderr).toContain("[ERR_USAGE]");
    }
  });
});

describe("plugins that misbehave", () => {
  const PLUGIN = `const S = { name: "s", version: "1.0.0" };
const c = (type, extract) => ({ type, description: type, outputSchema: S, extract });
export default {
  name: "bad",
  connectors: [
    c("throw_string", async () => { throw "just a string"; }),
    c("throw_null", async () => { throw null; }),
    c("ret_undefined", async () => undefined),
    c("ret_bigint", async () => 10n),
    c("ret_nan", async () => ({ count: NaN })),
    c("ret_map", async () => new Map([["k", 1]])),
    c("never", () => new Promise(() => {})),
    c("throw_trap", async () => { throw new Proxy({}, { get() { throw new Error("trap"); } }); }),
  ],
};
`;
  beforeEach(() => writeFileSync(join(dir, "bad.mjs"), PLUGIN));
  const withType = (type: string) =>
    `name: bad\ndescription: bad\nplugins: [./bad.mjs]\nartifacts:\n  a:\n    source: {type: ${type}}\n`;

  for (const type of ["throw_string", "throw_null", "ret_undefined", "ret_bigint"]) {
    it(`${type}: the artifact fails, the run is saved as failed, exit 1`, async () => {
      writeFileSync(join(dir, "rb.yaml"), withType(type));
      const result = await wctInProcess(["run", "rb.yaml", "--json", "--store", store], {
        cwd: dir,
      });
      expect(result.code).toBe(1);
      const summary = JSON.parse(result.stdout);
      expect(summary.artifacts[0].status).toBe("failed");
      expect(readRunJson(store, summary.run_id)["status"]).toBe("failed");
      expect(result.stderr).not.toMatch(/\n\s+at /);
    });
  }

  // JSON.stringify would store NaN as null and a Map as {}: content never returned.
  for (const type of ["ret_nan", "ret_map"]) {
    it(`${type}: content JSON cannot hold fails the artifact (ERR_INVALID_OUTPUT)`, async () => {
      writeFileSync(join(dir, "rb.yaml"), withType(type));
      const result = await wctInProcess(["run", "rb.yaml", "--json", "--store", store], {
        cwd: dir,
      });
      expect(result.code).toBe(1);
      expect(JSON.parse(result.stdout).artifacts[0].error.code).toBe("ERR_INVALID_OUTPUT");
    });
  }

  // Reading `.code` or the message of such a value throws again.
  it("a thrown value whose properties throw fails the artifact, not the run", async () => {
    writeFileSync(join(dir, "rb.yaml"), withType("throw_trap"));
    const result = await wctInProcess(["run", "rb.yaml", "--store", store], { cwd: dir });
    expect(result.code).toBe(1);
    expect(readRunJson(store, runIdFrom(result.stderr))["status"]).toBe("failed");
  });
});
