import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { wctInProcess } from "./in-process.js";

interface Listed {
  type: string;
  properties: Array<{ name: string; required: boolean }>;
  properties_schema: Record<string, unknown> | null;
}

describe("wct components and Standard Schema properties", () => {
  let dir: string;
  let connectors: Listed[];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "wct-components-"));
    // A Standard Schema that is not zod and has no JSON Schema converter.
    await writeFile(
      join(dir, "plain.mjs"),
      `export default {
  name: "plain",
  connectors: [{
    type: "plain_rows",
    description: "rows",
    outputSchema: { name: "rows", version: "1.0.0" },
    properties: { "~standard": { version: 1, vendor: "handmade", validate: (value) => ({ value }) } },
    async extract() { return []; },
  }],
};
`,
    );
    const result = await wctInProcess(["components", "--json", "--plugin", "./plain.mjs"], {
      cwd: dir,
    });
    expect(result.code, result.stderr).toBe(0);
    connectors = (JSON.parse(result.stdout) as { connectors: Listed[] }).connectors;
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("shows the JSON Schema of a zod properties schema", () => {
    const filesystem = connectors.find((c) => c.type === "filesystem");
    expect(filesystem?.properties_schema).toMatchObject({
      type: "object",
      properties: { path: expect.any(Object) },
    });
    expect(filesystem?.properties).toContainEqual(
      expect.objectContaining({ name: "path", required: true }),
    );
  });

  it("lists a component whose Standard Schema has no JSON Schema, without its properties", () => {
    const plain = connectors.find((c) => c.type === "plain_rows");
    expect(plain?.properties).toEqual([]);
    expect(plain?.properties_schema).not.toHaveProperty("properties");
  });
});
