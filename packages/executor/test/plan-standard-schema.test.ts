import { join } from "node:path";
import type { Plugin, StandardSchemaV1 } from "@wct/plugin-api";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ExecutorErrorCode } from "../src/errors.js";
import { planRunbook } from "../src/plan/plan-runbook.js";
import { makeTempDir, rejection, writeFiles } from "./fixtures/plan/helpers.js";

// A Standard Schema that is not zod: validates asynchronously and reports paths as
// PathSegment objects, both of which the spec allows.
const limitSchema: StandardSchemaV1<unknown, { limit: number }> = {
  "~standard": {
    version: 1,
    vendor: "handmade",
    async validate(value) {
      const limit = (value as { limit?: unknown }).limit;
      if (typeof limit === "number") return { value: { limit: limit * 2 } };
      return { issues: [{ path: [{ key: "limit" }], message: "expected a number" }] };
    },
  },
};

const plugin: Plugin = {
  name: "standard",
  connectors: [
    {
      type: "limited",
      description: "rows",
      outputSchema: { name: "rows", version: "1.0.0" },
      properties: limitSchema,
      extract: async () => [],
    },
  ],
};

const runbook = (limit: string) =>
  [
    "name: r",
    "description: d",
    "artifacts:",
    `  rows: { source: { type: limited, properties: { limit: ${limit} } } }`,
    "",
  ].join("\n");

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir, cleanup } = await makeTempDir());
});
afterEach(async () => {
  await cleanup();
});

describe("properties validated by any Standard Schema", () => {
  it("plans with the value an asynchronous Standard Schema returns", async () => {
    await writeFiles(dir, { "runbook.yaml": runbook("3") });
    const { plan } = await planRunbook(join(dir, "runbook.yaml"), {
      plugins: [{ plugin, source: "inline" }],
    });
    expect(plan.artifacts[0]?.properties).toEqual({ limit: 6 });
  });

  it("reports its issues at the dot path of their path segments", async () => {
    await writeFiles(dir, { "runbook.yaml": runbook('"three"') });
    const error = await rejection(
      planRunbook(join(dir, "runbook.yaml"), { plugins: [{ plugin, source: "inline" }] }),
    );
    expect(error.code).toBe(ExecutorErrorCode.RunbookInvalid);
    expect(error.diagnostics).toContainEqual(
      expect.objectContaining({
        code: "ERR_INVALID_PROPERTIES",
        path: "artifacts.rows.source.properties.limit",
      }),
    );
  });
});
