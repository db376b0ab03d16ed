import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ExecutorErrorCode } from "../src/errors.js";
import { loadPluginModules, validatePluginShape } from "../src/plan/load-plugins.js";
import { planRunbook } from "../src/plan/plan-runbook.js";
import { createRegistry } from "../src/plan/registry.js";
import { makeTempDir, rejection, testPlugin, writeFiles } from "./fixtures/plan/helpers.js";

const pluginSource = (name: string, type: string) => `
export default {
  name: ${JSON.stringify(name)},
  connectors: [{
    type: ${JSON.stringify(type)},
    description: "test",
    outputSchema: { name: "rows", version: "1.0.0" },
    async extract() { return []; },
  }],
};
`;

const paths = (problems: unknown) => (problems as Array<{ path: string }>).map((p) => p.path);

let dir: string;
let cleanup: () => Promise<void>;

beforeEach(async () => {
  ({ dir, cleanup } = await makeTempDir());
  await writeFiles(dir, { "package.json": '{"type":"module"}' });
});

afterEach(async () => {
  await cleanup();
});

describe("loadPluginModules", () => {
  it("loads a relative module path from the given folder", async () => {
    await writeFiles(dir, { "plugins/acme.js": pluginSource("acme", "acme_rows") });
    const [loaded] = await loadPluginModules(["./plugins/acme.js"], dir);
    expect(loaded?.plugin.name).toBe("acme");
    expect(loaded?.source).toBe(join(dir, "plugins/acme.js"));
  });

  it("loads a module whose namespace is the plugin", async () => {
    await writeFiles(dir, {
      "named.js": `export const name = "named";
export const connectors = [{ type: "n", description: "", outputSchema: { name: "rows", version: "1.0.0" }, async extract() { return []; } }];`,
    });
    const [loaded] = await loadPluginModules(["./named.js"], dir);
    expect(loaded?.plugin.name).toBe("named");
  });

  it("resolves a package name from the folder's node_modules", async () => {
    await writeFiles(dir, {
      "node_modules/wct-plugin-cjsish/package.json":
        '{"name":"wct-plugin-cjsish","type":"module","main":"main.js"}',
      "node_modules/wct-plugin-cjsish/main.js": pluginSource("cjsish", "c_rows"),
    });
    const [loaded] = await loadPluginModules(["wct-plugin-cjsish"], join(dir, "deep"));
    expect(loaded?.plugin.name).toBe("cjsish");
    expect(loaded?.source).toBe("wct-plugin-cjsish");
  });

  it("resolves an ESM-only package through its exports import condition", async () => {
    await writeFiles(dir, {
      "node_modules/@acme/wct-esm/package.json": JSON.stringify({
        name: "@acme/wct-esm",
        type: "module",
        exports: { ".": { import: "./esm/index.js" } },
      }),
      "node_modules/@acme/wct-esm/esm/index.js": pluginSource("esm-only", "e_rows"),
    });
    const [loaded] = await loadPluginModules(["@acme/wct-esm"], dir);
    expect(loaded?.plugin.name).toBe("esm-only");
  });

  it("resolves a package subpath through an exports pattern and its conditions", async () => {
    await writeFiles(dir, {
      "node_modules/@acme/wct-kit/package.json": JSON.stringify({
        name: "@acme/wct-kit",
        type: "module",
        exports: {
          "./plugins/*": {
            require: "./cjs/never-used/*.cjs",
            node: { import: "./esm/node/*.js", default: "./esm/never-used/*.js" },
            default: "./esm/never-used/*.js",
          },
          "./internal/*": null,
        },
      }),
      "node_modules/@acme/wct-kit/esm/node/rows.js": pluginSource("kit-rows", "k_rows"),
      "node_modules/@acme/wct-kit/internal/rows.js": pluginSource("internal", "i_rows"),
    });
    const [loaded] = await loadPluginModules(["@acme/wct-kit/plugins/rows"], join(dir, "deep"));
    expect(loaded?.plugin.name).toBe("kit-rows");
    expect(loaded?.source).toBe("@acme/wct-kit/plugins/rows");
    // A subpath the exports map closes is refused, as Node refuses it.
    const error = await rejection(loadPluginModules(["@acme/wct-kit/internal/rows"], dir));
    expect(error.code).toBe(ExecutorErrorCode.PluginLoad);
  });

  it("reports a module that throws on import as ERR_PLUGIN_LOAD naming it", async () => {
    await writeFiles(dir, { "broken.js": 'throw new Error("boom at import");\n' });
    const error = await rejection(loadPluginModules(["./broken.js"], dir));
    expect(error.code).toBe(ExecutorErrorCode.PluginLoad);
    expect(error.details.module).toBe(join(dir, "broken.js"));
    expect(error.message).toContain("broken.js");
  });

  it("reports a package that cannot be found as ERR_PLUGIN_LOAD naming it", async () => {
    const error = await rejection(loadPluginModules(["wct-plugin-nowhere"], dir));
    expect(error.code).toBe(ExecutorErrorCode.PluginLoad);
    expect(error.details.module).toBe("wct-plugin-nowhere");
  });

  it("reports a wrong shape as ERR_PLUGIN_SHAPE listing every problem", async () => {
    await writeFiles(dir, {
      "shape.js": `export default { name: "shape", connectors: [{ type: "x", outputSchema: { name: "rows" } }], processors: [{ type: "p", description: "", outputSchema: { name: "a", version: "1" }, inputSchemas: [{}], process() {} }] };`,
    });
    const error = await rejection(loadPluginModules(["./shape.js"], dir));
    expect(error.code).toBe(ExecutorErrorCode.PluginShape);
    expect(error.details.module).toBe(join(dir, "shape.js"));
    expect(paths(error.details.problems)).toEqual([
      "connectors.0.description",
      "connectors.0.outputSchema.version",
      "connectors.0.extract",
      "processors.0.inputSchemas.0",
    ]);
  });

  it("reports two modules registering one type as ERR_PLUGIN_DUPLICATE_TYPE naming both", async () => {
    await writeFiles(dir, {
      "one.js": pluginSource("one", "same_type"),
      "two.js": pluginSource("two", "same_type"),
    });
    const loaded = await loadPluginModules(["./one.js", "./two.js"], dir);
    let caught: unknown;
    try {
      createRegistry(loaded);
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({
      code: ExecutorErrorCode.PluginDuplicateType,
      details: { first: join(dir, "one.js"), second: join(dir, "two.js") },
    });
  });
});

describe("validatePluginShape", () => {
  it("accepts a plain object plugin", () => {
    expect(validatePluginShape(testPlugin, "built-in")).toBe(testPlugin);
  });

  it("refuses a value that is not a plain object", () => {
    class NotPlain {
      name = "x";
      connectors = [];
    }
    for (const value of [undefined, null, "plugin", [], new NotPlain()]) {
      let caught: unknown;
      try {
        validatePluginShape(value, "built-in");
      } catch (error) {
        caught = error;
      }
      expect(caught).toMatchObject({ code: ExecutorErrorCode.PluginShape });
    }
  });

  it("refuses a properties value that is not a Standard Schema", () => {
    const plugin = {
      name: "p",
      connectors: [{ ...testPlugin.connectors![0]!, properties: { safeParse() {} } }],
    };
    let caught: unknown;
    try {
      validatePluginShape(plugin, "built-in");
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({
      code: ExecutorErrorCode.PluginShape,
      details: { problems: [{ path: "connectors.0.properties" }] },
    });
  });
});

describe("plugins of a plan", () => {
  const runbookText = (plugins: string[]) =>
    [
      "name: r",
      "description: d",
      `plugins: ${JSON.stringify(plugins)}`,
      "artifacts:",
      "  rows: { source: { type: acme_rows } }",
      "",
    ].join("\n");

  it("loads runbook plugins relative to the runbook's folder", async () => {
    await writeFiles(dir, {
      "sub/plugins/acme.js": pluginSource("acme", "acme_rows"),
      "sub/runbook.yaml": runbookText(["./plugins/acme.js"]),
    });
    const { plan, registry } = await planRunbook(join(dir, "sub/runbook.yaml"));
    expect(registry.connectors.get("acme_rows")?.source).toBe(join(dir, "sub/plugins/acme.js"));
    expect(plan.artifacts[0]?.schema).toEqual({ name: "rows", version: "1.0.0" });
  });

  it("reports a runbook plugin that throws on import as ERR_PLUGIN_LOAD naming it", async () => {
    await writeFiles(dir, {
      "plugins/broken.js": 'throw new Error("boom at import");\n',
      "runbook.yaml": runbookText(["./plugins/broken.js"]),
    });
    const error = await rejection(planRunbook(join(dir, "runbook.yaml")));
    expect(error.code).toBe(ExecutorErrorCode.PluginLoad);
    expect(error.details.module).toBe(join(dir, "plugins/broken.js"));
  });

  it("reports a runbook plugin of the wrong shape as ERR_PLUGIN_SHAPE", async () => {
    await writeFiles(dir, {
      "plugins/shape.js": 'export default { name: "" };\n',
      "runbook.yaml": runbookText(["./plugins/shape.js"]),
    });
    const error = await rejection(planRunbook(join(dir, "runbook.yaml")));
    expect(error.code).toBe(ExecutorErrorCode.PluginShape);
    expect(paths(error.details.problems)).toEqual(["name", ""]);
  });

  it("refuses one type from a --plugin module and a runbook plugin", async () => {
    await writeFiles(dir, {
      "cli.js": pluginSource("cli", "acme_rows"),
      "plugins/acme.js": pluginSource("acme", "acme_rows"),
      "runbook.yaml": runbookText(["./plugins/acme.js"]),
    });
    const error = await rejection(
      planRunbook(join(dir, "runbook.yaml"), { pluginModules: [join(dir, "cli.js")] }),
    );
    expect(error.code).toBe(ExecutorErrorCode.PluginDuplicateType);
    expect(error.details).toMatchObject({
      first: join(dir, "cli.js"),
      second: join(dir, "plugins/acme.js"),
    });
  });

  it("loads a module named by --plugin and by the runbook once", async () => {
    await writeFiles(dir, {
      "plugins/acme.js": pluginSource("acme", "acme_rows"),
      "runbook.yaml": runbookText(["./plugins/acme.js"]),
    });
    const { registry } = await planRunbook(join(dir, "runbook.yaml"), {
      pluginModules: [join(dir, "plugins/acme.js")],
    });
    expect(registry.plugins.map((p) => p.name)).toEqual(["acme"]);
  });

  it("registers caller plugins first", async () => {
    await writeFiles(dir, {
      "plugins/acme.js": pluginSource("acme", "acme_rows"),
      "runbook.yaml": runbookText(["./plugins/acme.js"]),
    });
    const { registry } = await planRunbook(join(dir, "runbook.yaml"), {
      plugins: [{ plugin: testPlugin, source: "built-in" }],
    });
    expect(registry.plugins.map((p) => p.source)).toEqual([
      "built-in",
      join(dir, "plugins/acme.js"),
    ]);
  });
});
