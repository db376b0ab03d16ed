import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { isStreamedContent, type RecordInput } from "@wct/plugin-api";
import {
  type FileContent,
  filesystemConnector,
  filesystemProperties,
} from "@wct/plugin-filesystem";
import { findPersonalData, streamPersonalData } from "@wct/plugin-personal-data";
import { type DatabaseContent, sqliteConnector, sqliteProperties } from "@wct/plugin-sqlite";
import { parseRunbook } from "@wct/runbook-schema";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// The examples are documentation users copy: these tests keep them valid and keep the
// planted values what the README says they are.

const examples = fileURLToPath(new URL("..", import.meta.url));
const log = { debug() {}, info() {}, warn() {}, error() {} };

function context<P>(properties: P) {
  return {
    properties,
    signal: new AbortController().signal,
    log,
    artifactId: "code",
    runId: "run-1",
    baseDir: examples,
  };
}

/** The content as stored and read back: streamed records gathered under their field. */
async function materialise(out: unknown): Promise<unknown> {
  if (!isStreamedContent(out)) return out;
  const records: unknown[] = [];
  for await (const record of out.records) records.push(record);
  return { ...out.head, [out.recordsField]: records, ...(await out.summary()) };
}

async function scanShop(): Promise<FileContent> {
  const properties = filesystemProperties.parse({ path: "./acme-shop", exclude: ["**/*.db"] });
  return (await materialise(await filesystemConnector.extract(context(properties)))) as FileContent;
}

async function readDatabase(path: string): Promise<DatabaseContent> {
  const properties = sqliteProperties.parse({ database_path: path });
  return (await materialise(await sqliteConnector.extract(context(properties)))) as DatabaseContent;
}

function passesLuhn(number: string): boolean {
  const digits = number.replace(/\D/g, "");
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let digit = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) digit = digit * 2 > 9 ? digit * 2 - 9 : digit * 2;
    sum += digit;
  }
  return sum % 10 === 0;
}

function passesMod97(iban: string): boolean {
  const compact = iban.replace(/\s/g, "");
  const rearranged = compact.slice(4) + compact.slice(0, 4);
  const numeric = [...rearranged].map((c) => Number.parseInt(c, 36).toString()).join("");
  return BigInt(numeric) % 97n === 1n;
}

describe("runbooks", () => {
  const runbooks = [
    "quickstart.yaml",
    "reuse.yaml",
    "word-count.yaml",
    "child-runbook/parent.yaml",
    "child-runbook/scan-files.yaml",
  ];
  for (const file of runbooks) {
    it(`${file} is a valid runbook`, async () => {
      const text = await readFile(join(examples, file), "utf8");
      const result = parseRunbook(text, { file, env: { WCT_FROM_RUN: "0190a1b2" } });
      expect(result.diagnostics).toEqual([]);
    });
  }
});

describe("acme-shop files", () => {
  it("are read as text except the PNG logo, which is skipped as binary", async () => {
    const content = await scanShop();
    expect(content.files.map((f) => f.path)).toEqual([
      ".env.example",
      "README.md",
      "db/migrations/001_create_users.sql",
      "exports/customers-2024-05.csv",
      "logs/access.log",
      "src/checkout.ts",
      "src/customers.py",
    ]);
    expect(content.coverage.skipped_files).toEqual([{ path: "assets/logo.png", reason: "binary" }]);
  });

  it("plant card numbers that pass Luhn and a decoy that does not", async () => {
    const checkout = await readFile(join(examples, "acme-shop/src/checkout.ts"), "utf8");
    expect(passesLuhn("4111 1111 1111 1111")).toBe(true);
    expect(passesLuhn("4929 1827 3645 0186")).toBe(true);
    expect(passesLuhn("5555555555554444")).toBe(true);
    expect(checkout).toContain("4929 1827 3645 0186");
    expect(passesLuhn("4111 1111 1111 1112")).toBe(false);
  });

  it("plant IBANs that pass mod-97", () => {
    for (const iban of [
      "GB60 ACME 4051 2712 3456 78",
      "GB82 WEST 1234 5698 7654 32",
      "DE89 3704 0044 0532 0130 00",
    ]) {
      expect(passesMod97(iban), iban).toBe(true);
    }
  });
});

describe("acme-shop database", () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "wct-examples-"));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("holds users, orders and audit_log", async () => {
    const content = await readDatabase("./acme-shop/customers.db");
    expect(content.tables.map((t) => [t.name, t.row_count])).toEqual([
      ["audit_log", 4],
      ["orders", 5],
      ["users", 5],
    ]);
  });

  it("gives personal_data, row by row, the findings the 1.0.0 table shape gave", async () => {
    const v2 = await readDatabase("./acme-shop/customers.db");
    // database_content/1.0.0 of the same database: each table holding its rows.
    const v1 = {
      database: v2.database,
      tables: v2.tables.map((table) => ({
        ...table,
        sample_rows: v2.rows
          .filter((row) => row.table === table.name)
          .map(({ rowid, values }) => ({ rowid, values })),
      })),
      coverage: v2.coverage,
    };
    const before = await findPersonalData(
      [
        {
          id: "db",
          schema: { name: "database_content", version: "1.0.0" },
          source: "",
          content: v1,
        },
      ],
      {},
    );
    const out = await sqliteConnector.extract(
      context(sqliteProperties.parse({ database_path: "./acme-shop/customers.db" })),
    );
    if (!isStreamedContent(out)) throw new Error("the sqlite connector streams");
    const input: RecordInput = {
      id: "db",
      schema: sqliteConnector.outputSchema,
      source: "connector:sqlite",
      recordsField: out.recordsField,
      head: out.head,
      records: () => out.records,
      summary: async () => out.summary(),
    };
    const after = (await materialise(streamPersonalData([input], {}))) as typeof before;
    expect(before.findings.length).toBeGreaterThan(10);
    expect(after.findings).toEqual(before.findings);
    expect(after.summary).toEqual(before.summary);
  });

  it("is what make-sample-db.mjs builds", async () => {
    const rebuilt = join(dir, "customers.db");
    await promisify(execFile)(process.execPath, [
      join(examples, "scripts/make-sample-db.mjs"),
      rebuilt,
    ]);
    const committed = await readDatabase("./acme-shop/customers.db");
    const fresh = await readDatabase(rebuilt);
    expect(fresh.tables).toEqual(committed.tables);
    expect(fresh.rows).toEqual(committed.rows);
    expect(await readdir(dir)).toEqual(["customers.db"]);
  });
});
