import type { Plugin, StandardSchemaV1 } from "@wct/plugin-api";
import { describe, expect, it } from "vitest";
import { ExecutorErrorCode } from "../src/errors.js";
import { assemblePlan } from "../src/plan/assemble.js";
import { rejection } from "./fixtures/plan/helpers.js";
import { memoryRunbook } from "./fixtures/plan/memory.js";

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

const planText = (text: string) =>
  assemblePlan(
    memoryRunbook({ "runbook.yaml": text }, { plugins: [{ plugin, source: "inline" }] }),
  );

describe("properties validated by any Standard Schema", () => {
  it("plans with the value an asynchronous Standard Schema returns", async () => {
    const { plan } = await planText(runbook("3"));
    expect(plan.artifacts[0]?.properties).toEqual({ limit: 6 });
  });

  it("reports its issues at the dot path of their path segments", async () => {
    const error = await rejection(planText(runbook('"three"')));
    expect(error.code).toBe(ExecutorErrorCode.RunbookInvalid);
    expect(error.diagnostics).toContainEqual(
      expect.objectContaining({
        code: "ERR_INVALID_PROPERTIES",
        path: "artifacts.rows.source.properties.limit",
      }),
    );
  });
});
