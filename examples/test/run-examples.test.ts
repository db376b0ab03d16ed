import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type LoadedPlugin, planRunbook, runPlan } from "@wct/executor";
import filesystemPlugin from "@wct/plugin-filesystem";
import personalDataPlugin from "@wct/plugin-personal-data";
import sqlitePlugin from "@wct/plugin-sqlite";
import { createMemoryStore } from "@wct/store-memory";
import { describe, expect, it } from "vitest";

// Plans and runs the example runbooks through the real executor, so that a change to
// the format, the planner or a connector that breaks an example fails here first.

const examples = fileURLToPath(new URL("..", import.meta.url));

const plugins: LoadedPlugin[] = [
  { plugin: filesystemPlugin, source: "built-in (@wct/plugin-filesystem)" },
  { plugin: sqlitePlugin, source: "built-in (@wct/plugin-sqlite)" },
  { plugin: personalDataPlugin, source: "built-in (@wct/plugin-personal-data)" },
];

async function planAndRun(file: string) {
  const { plan, registry } = await planRunbook(join(examples, file), { plugins });
  const store = createMemoryStore();
  const summary = await runPlan(plan, { store, registry });
  return { plan, store, summary };
}

describe("example runbooks", () => {
  it("quickstart.yaml scans the shop's files and database", async () => {
    const { plan, summary } = await planAndRun("quickstart.yaml");
    expect(plan.artifacts.map((a) => a.id)).toEqual([
      "code",
      "database",
      "code_findings",
      "db_findings",
    ]);
    expect(summary.status).toBe("completed");
  });

  it("child-runbook/parent.yaml inlines scan-files.yaml", async () => {
    const { plan, summary } = await planAndRun("child-runbook/parent.yaml");
    expect(plan.artifacts.map((a) => a.id)).toEqual([
      "code",
      "code_findings__findings",
      "code_findings",
    ]);
    expect(summary.status).toBe("completed");
  });

  it("word-count.yaml loads the plugin next to it and counts words", async () => {
    const { store, summary } = await planAndRun("word-count.yaml");
    expect(summary.status).toBe("completed");
    const words = (await store.get(summary.run_id, "words")) as {
      schema: unknown;
      content: { files: Array<{ path: string }>; total_words: number };
    };
    expect(words.schema).toEqual({ name: "word_count", version: "1.0.0" });
    expect(words.content.files.map((f) => f.path)).toEqual([
      "README.md",
      "src/checkout.ts",
      "src/customers.py",
    ]);
    expect(words.content.total_words).toBeGreaterThan(0);
  });
});
