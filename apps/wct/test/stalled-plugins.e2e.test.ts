// Plugins that leave nothing the event loop could wait for: Node would exit silently
// (code 13, or 0 on Node 20); the binary's exit hook says so with a stable code. Only a
// real process shows that, so these run the built binary.
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { pluginFolder } from "./fixtures/folders.js";
import { readRunJson, removeDir, runIdFrom, wct } from "./helpers.js";
import { wctInProcess } from "./in-process.js";

let dir: string;
let store: string;
beforeEach(() => ({ dir, store } = pluginFolder()));
afterEach(() => removeDir(dir));

function storedRuns(): string[] {
  const runs = join(store, "runs");
  return existsSync(runs) ? readdirSync(runs).filter((name) => !name.startsWith(".")) : [];
}

describe("plugins that stall the process", () => {
  const PLUGIN = `const S = { name: "s", version: "1.0.0" };
export default {
  name: "bad",
  connectors: [{ type: "never", description: "never", outputSchema: S, extract: () => new Promise(() => {}) }],
};
`;
  beforeEach(() => writeFileSync(join(dir, "bad.mjs"), PLUGIN));
  const withType = (type: string) =>
    `name: bad\ndescription: bad\nplugins: [./bad.mjs]\nartifacts:\n  a:\n    source: {type: ${type}}\n`;

  it("a component whose promise can never settle: clear error, exit 1, run resumable", async () => {
    // Node used to exit silently with code 13 as soon as nothing was left to wait for.
    writeFileSync(join(dir, "rb.yaml"), withType("never"));
    const result = await wct(["run", "rb.yaml", "--store", store], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("[ERR_STALLED]");
    const runId = runIdFrom(result.stderr);
    writeFileSync(join(dir, "bad.mjs"), PLUGIN.replace("new Promise(() => {})", "[1]"));
    // The resume of the fixed plugin needs no process of its own: nothing stalls.
    const resumed = await wctInProcess(["run", "rb.yaml", "--resume", runId, "--store", store], {
      cwd: dir,
    });
    expect(resumed.code).toBe(0);
    expect(readRunJson(store, runId)["status"]).toBe("completed");
  });

  it("a plugin whose top-level await never settles: ERR_PLUGIN_LOAD, exit 2", async () => {
    writeFileSync(join(dir, "stuck.mjs"), "await new Promise(() => {});\nexport default {};\n");
    writeFileSync(
      join(dir, "rb.yaml"),
      "name: t\ndescription: t\nplugins: [./stuck.mjs]\nartifacts:\n  a:\n    source: {type: x}\n",
    );
    // A runbook's plugins (`plugins:`) and `--plugin` are loaded by two paths. `wct
    // validate` loads a runbook's plugins as `wct run` does (planRunbook), before
    // anything could run, so its process would show nothing `wct run`'s does not.
    for (const args of [
      ["run", "rb.yaml", "--store", store],
      ["components", "--plugin", "./stuck.mjs"],
    ]) {
      const result = await wct(args, { cwd: dir });
      expect(result.code, args.join(" ")).toBe(2);
      expect(result.stderr).toContain("[ERR_PLUGIN_LOAD]");
    }
    expect(storedRuns()).toEqual([]);
  });
});
