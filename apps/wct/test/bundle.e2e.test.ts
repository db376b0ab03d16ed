// What the binary's bundle (scripts/bundle.mjs) moves: code that reads files next to its
// own module. Each is checked through the built binary; the SQLite driver, required from
// where @wct/plugin-sqlite is installed, by quickstart.e2e's database scan.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { TREE_SCAN_RUNBOOK } from "./fixtures/folders.js";
import { REPO_ROOT, readArtifact, removeDir, runIdFrom, tempDir, wct } from "./helpers.js";

let dir: string;
beforeEach(() => {
  dir = tempDir("wct-bundle-");
});
afterEach(() => removeDir(dir));

function versionOf(packageDir: string): string {
  return JSON.parse(readFileSync(join(REPO_ROOT, packageDir, "package.json"), "utf8")).version;
}

describe("the binary's bundle", () => {
  it("names each built-in plugin with its own package's version", async () => {
    const result = await wct(["components", "--json"], { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    const plugins = JSON.parse(result.stdout).plugins as { name: string; version: string }[];
    expect(Object.fromEntries(plugins.map((p) => [p.name, p.version]))).toEqual({
      filesystem: versionOf("packages/plugin-filesystem"),
      sqlite: versionOf("packages/plugin-sqlite"),
      "personal-data": versionOf("packages/plugin-personal-data"),
    });
  });

  it("starts the personal-data scanning thread when asked to use one", async () => {
    // One thread from the first file: every file is scanned there.
    mkdirSync(join(dir, "tree"));
    for (let i = 0; i < 3; i++) {
      writeFileSync(join(dir, "tree", `f${i}.txt`), `write to person${i}@example.org\n`);
    }
    writeFileSync(join(dir, "rb.yaml"), TREE_SCAN_RUNBOOK);
    const result = await wct(["run", "rb.yaml", "--store", "store"], {
      cwd: dir,
      env: { WCT_SCAN_WORKERS: "1", WCT_SCAN_WORKERS_AFTER_MB: "0" },
    });
    expect(result.code, result.stderr).toBe(0);
    const findings = readArtifact(join(dir, "store"), runIdFrom(result.stderr), "findings");
    const found = (findings["content"] as { findings: { location: { path: string } }[] }).findings;
    expect(found.map((f) => f.location.path).sort()).toEqual(["f0.txt", "f1.txt", "f2.txt"]);
  });

  it("scans a database's rows on the scanning thread as on the main thread", async () => {
    // 1,000 rows, each with an e-mail and a phone number, some with a second one in a note.
    const Database = createRequire(join(REPO_ROOT, "packages/plugin-sqlite/package.json"))(
      "better-sqlite3",
    );
    const db = new Database(join(dir, "shop.db"));
    db.exec(`CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT, phone TEXT, note TEXT);
      WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000)
      INSERT INTO customers (email, phone, note)
      SELECT 'c' || i || '@shop.io', '+44 20 7946 ' || printf('%04d', i),
        CASE WHEN i % 3 = 0 THEN 'call 020 7946 0958' ELSE 'regular order' END FROM n;`);
    db.close();
    writeFileSync(
      join(dir, "rb.yaml"),
      "name: db-scan\ndescription: a database scan\nartifacts:\n  db:\n    source: { type: sqlite, properties: { database_path: ./shop.db, max_rows_per_table: 1000 } }\n  findings:\n    inputs: db\n    process: { type: personal_data, properties: { max_findings: 10000 } }\n",
    );
    const findingsWith = async (env: Record<string, string>, store: string) => {
      const result = await wct(["run", "rb.yaml", "--store", store], { cwd: dir, env });
      expect(result.code, result.stderr).toBe(0);
      const findings = readArtifact(join(dir, store), runIdFrom(result.stderr), "findings");
      return findings["content"];
    };
    // From the first row: the scan waits for its thread, and every row is scanned there.
    const threaded = await findingsWith(
      { WCT_SCAN_WORKERS: "1", WCT_SCAN_WORKERS_AFTER_ROWS: "0" },
      "threaded",
    );
    const mainThread = await findingsWith({ WCT_SCAN_WORKERS: "0" }, "main");
    expect((threaded as { summary: { total: number } }).summary.total).toBeGreaterThan(2300);
    expect(threaded).toEqual(mainThread);
  });
});
