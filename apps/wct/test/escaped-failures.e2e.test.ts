// Failures that escape a component (uncaught exceptions, unhandled rejections,
// process.exit, a thrown Proxy), side by side in one run, and a timer of a plugin module
// that throws: only a process of its own shows what Node does with them. The other hostile cases are in
// hostile.e2e.test.ts and, in-process, hostile.test.ts. Each checks codes, exit codes
// and what the store holds afterwards (never message text).
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { pluginFolder } from "./fixtures/folders.js";
import {
  NO_STACK,
  readRunJson,
  removeDir,
  runIdFrom,
  systemFile,
  type WctResult,
  wct,
} from "./helpers.js";

let dir: string;
let store: string;
beforeEach(() => ({ dir, store } = pluginFolder()));
afterEach(() => removeDir(dir));

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
  const cases: Array<[string, string]> = [
    ["timer_throw", "ERR_COMPONENT_CRASHED"],
    ["unhandled", "ERR_COMPONENT_CRASHED"],
    ["exit_zero", "ERR_COMPONENT_CRASHED"],
    ["exit_later", "ERR_COMPONENT_CRASHED"],
    ["proxy", "ERR_COMPONENT_FAILED"],
  ];

  // One run holds every kind of escape side by side (one artifact each, all started at
  // once) and an independent artifact: each failure must be traced to its own artifact.
  let result: WctResult;
  type Artifact = { id: string; status: string; error: { code: string } | null };
  let summary: { run_id: string; artifacts: Artifact[] };
  let byId: Record<string, Artifact>;
  let runDir: { dir: string; store: string };
  beforeAll(async () => {
    runDir = pluginFolder();
    writeFileSync(join(runDir.dir, "escape.mjs"), PLUGIN);
    writeFileSync(
      join(runDir.dir, "rb.yaml"),
      `name: e\ndescription: e\nplugins: [./escape.mjs]\nartifacts:\n${cases
        .map(([type]) => `  ${type}:\n    source: {type: ${type}}\n`)
        .join("")}  good:\n    source: {type: fine}\n`,
    );
    result = await wct(["run", "rb.yaml", "--json", "--store", runDir.store], {
      cwd: runDir.dir,
    });
    summary = JSON.parse(result.stdout);
    byId = Object.fromEntries(summary.artifacts.map((a) => [a.id, a]));
  });
  afterAll(() => removeDir(runDir.dir));

  for (const [type, code] of cases) {
    it(`${type}: the artifact fails (${code})`, () => {
      expect(byId[type]?.status).toBe("failed");
      expect(byId[type]?.error?.code).toBe(code);
    });
  }

  it("independent work completes, the run is recorded failed and released, exit 1, no stack", () => {
    expect(result.code).toBe(1);
    expect(result.stderr).not.toMatch(NO_STACK);
    expect(result.stderr).not.toContain("ERR_STALLED");
    expect(byId["good"]?.status).toBe("completed");
    const system = (name: string) => join(runDir.store, "runs", summary.run_id, "_system", name);
    expect(JSON.parse(readFileSync(system("run.json"), "utf8"))["status"]).toBe("failed");
    expect(existsSync(system("lock.json"))).toBe(false);
    const state = JSON.parse(readFileSync(system("state.json"), "utf8"));
    expect([...state.failed].sort()).toEqual(cases.map(([type]) => type).sort());
    expect(state.completed).toEqual(["good"]);
  });
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
    expect(existsSync(systemFile(store, runId, "lock.json"))).toBe(false);
  });
});
