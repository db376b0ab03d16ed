import { afterEach, describe, expect, it, vi } from "vitest";
import plugin, {
  findPersonalData,
  type PersonalDataOutput,
  personalDataProcessor,
  personalDataPropertiesSchema,
} from "../src/index.js";
import { databaseInput, fileInput } from "./helpers.js";
import { asRecordInput, materialise } from "./stream-helpers.js";

const KEY = "k".repeat(16) + "-test-key";
const log = { debug() {}, info() {}, warn() {}, error() {} };

async function run(inputs: Parameters<typeof findPersonalData>[0], properties: object = {}) {
  return findPersonalData(inputs, properties);
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe("plugin", () => {
  it("exports the personal_data processor with its schemas", () => {
    expect(plugin.name).toBe("personal-data");
    const [processor] = plugin.processors;
    expect(processor?.type).toBe("personal_data");
    expect(processor?.inputSchemas).toEqual([
      [{ name: "file_content", version: "1.0.0" }],
      [{ name: "database_content", version: "2.0.0" }],
      [{ name: "database_content", version: "1.0.0" }],
    ]);
    expect(processor?.outputSchema).toEqual({ name: "personal_data_finding", version: "1.0.0" });
  });

  it("process returns the output and logs counts only", async () => {
    const info = vi.fn();
    const output = (await materialise(
      await personalDataProcessor.process({
        inputs: [asRecordInput(fileInput([{ path: "a.txt", text: "mail jane@corp.io" }]))],
        properties: personalDataPropertiesSchema.parse({}),
        signal: new AbortController().signal,
        log: { ...log, info },
        artifactId: "findings",
        runId: "run",
        baseDir: "/tmp",
      }),
    )) as PersonalDataOutput;
    expect(output.summary.total).toBe(1);
    expect(JSON.stringify(info.mock.calls)).not.toContain("jane");
  });
});

describe("file findings", () => {
  it("have 1-based line and column, masked evidence and the spec shape", async () => {
    const text = "first line\n  card: 4539 5787 6362 1486\n";
    const output = await run([fileInput([{ path: "src/a.ts", text }])], { fingerprint_key: KEY });
    expect(output.findings).toEqual([
      {
        type: "payment_card",
        category: "user.financial.credit_card",
        location: { kind: "file", path: "src/a.ts", line: 2, column: 9 },
        confidence: 0.9,
        reasons: ["pattern:payment_card", "validator:iin", "validator:luhn", "context:card"],
        evidence: "  card: **** **** **** 1486",
        fingerprint: expect.stringMatching(/^hmac-sha256:[0-9a-f]{64}$/),
        tags: [],
      },
    ]);
  });

  it("come in path, line, column order with summary and coverage", async () => {
    const output = await run([
      fileInput([
        { path: "b.txt", text: "x 81.2.69.160\nbob@corp.io" },
        { path: "a.txt", text: "dob: 1985-03-12" },
      ]),
    ]);
    expect(output.findings.map((f) => [f.type, f.location])).toEqual([
      ["field_name", { kind: "file", path: "a.txt", line: 1, column: 1 }],
      ["date_of_birth", { kind: "file", path: "a.txt", line: 1, column: 6 }],
      ["ip_address", { kind: "file", path: "b.txt", line: 1, column: 3 }],
      ["email", { kind: "file", path: "b.txt", line: 2, column: 1 }],
    ]);
    expect(output.summary).toEqual({
      total: 4,
      by_type: { field_name: 1, date_of_birth: 1, ip_address: 1, email: 1 },
      by_category: {
        "user.demographic.date_of_birth": 2,
        "user.device.ip_address": 1,
        "user.contact.email": 1,
      },
      test_values: 0,
      values: { total: 3, by_type: { date_of_birth: 1, ip_address: 1, email: 1 } },
      field_names: { total: 1, by_category: { "user.demographic.date_of_birth": 1 } },
    });
    expect(output.coverage.inputs).toEqual([
      {
        id: "files",
        schema: "file_content/1.0.0",
        files_scanned: 2,
        bytes_scanned: 40,
        skipped: { binary: 1, too_large: 2, unreadable: 0, excluded_links: 0, over_max_files: 0 },
        skipped_files: [{ path: "logo.png", reason: "binary" }],
      },
    ]);
    expect(output.fingerprint).toBe("disabled");
  });

  it("tag well-known test values instead of dropping them", async () => {
    const text = [
      "4111111111111111",
      "GB82WEST12345698765432",
      "someone@example.com",
      "a@b.test",
      "+1 415-555-0123",
      "203.0.113.7",
      "2001:db8::1",
      "real@corp.io",
    ].join("\n");
    const output = await run([fileInput([{ path: "t.txt", text }])]);
    expect(output.findings.map((f) => [f.type, f.tags])).toEqual([
      ["payment_card", ["test_value"]],
      ["iban", ["test_value"]],
      ["email", ["test_value"]],
      ["email", ["test_value"]],
      ["phone_number", ["test_value"]],
      ["ip_address", ["test_value"]],
      ["ip_address", ["test_value"]],
      ["email", []],
    ]);
    expect(output.summary.test_values).toBe(7);
  });
});

describe("database findings", () => {
  const db = databaseInput([
    {
      name: "users",
      columns: ["id", "email", "birth_date", "notes", "photo"],
      rows: [
        {
          rowid: 1,
          values: {
            id: 1,
            email: "jane@corp.io",
            birth_date: "1985-03-12",
            notes: "ip 81.2.69.160",
            photo: "<blob 12 bytes>",
          },
        },
        {
          rowid: 2,
          values: { id: 2, email: null, birth_date: null, notes: "nothing", photo: null },
        },
      ],
    },
  ]);

  it("flag column names and scan cell values with sqlite locations", async () => {
    const output = await run([db]);
    expect(output.findings.map((f) => [f.type, f.category, f.location, f.evidence])).toEqual([
      [
        "field_name",
        "user.contact.email",
        { kind: "sqlite", path: "data/app.db", table: "users", column: "email", rowid: null },
        "email",
      ],
      [
        "field_name",
        "user.demographic.date_of_birth",
        { kind: "sqlite", path: "data/app.db", table: "users", column: "birth_date", rowid: null },
        "birth_date",
      ],
      [
        "email",
        "user.contact.email",
        { kind: "sqlite", path: "data/app.db", table: "users", column: "email", rowid: 1 },
        "j***@corp.io",
      ],
      [
        "date_of_birth",
        "user.demographic.date_of_birth",
        { kind: "sqlite", path: "data/app.db", table: "users", column: "birth_date", rowid: 1 },
        "1985-**-**",
      ],
      [
        "ip_address",
        "user.device.ip_address",
        { kind: "sqlite", path: "data/app.db", table: "users", column: "notes", rowid: 1 },
        "ip 81.*.*.*",
      ],
    ]);
    expect(output.coverage.inputs[0]).toMatchObject({
      id: "db",
      schema: "database_content/1.0.0",
      tables_scanned: 1,
      columns_scanned: 5,
      rows_scanned: 2,
      skipped: { tables: 1 },
      skipped_tables: [{ name: "sqlite_sequence", reason: "internal" }],
    });
  });
});

describe("limits", () => {
  const text = Array.from({ length: 10 }, (_, i) => `user${i}@corp.io`).join("\n");

  it("max_findings keeps the first findings and counts the rest", async () => {
    const output = await run([fileInput([{ path: "a.txt", text }])], { max_findings: 3 });
    expect(output.findings).toHaveLength(3);
    expect(output.coverage.findings_truncated).toBe(7);
    expect(output.summary.total).toBe(10);
  });

  it("max_evidence gives evidence to the first findings only and counts the others", async () => {
    const output = await run([fileInput([{ path: "a.txt", text }])], { max_evidence: 4 });
    expect(output.findings.map((f) => f.evidence !== null)).toEqual([
      true,
      true,
      true,
      true,
      false,
      false,
      false,
      false,
      false,
      false,
    ]);
    expect(output.coverage.evidence_omitted).toBe(6);
  });

  it("min_confidence drops weaker findings", async () => {
    // A version-like address (0.4) is below the default threshold.
    const weak = await run([fileInput([{ path: "a.txt", text: "x 1.2.3.4" }])], {
      min_confidence: 0,
    });
    expect(weak.findings.map((f) => f.type)).toEqual(["ip_address"]);
    const strict = await run([fileInput([{ path: "a.txt", text: "x 1.2.3.4" }])]);
    expect(strict.findings).toEqual([]);
  });
});

describe("evidence context", () => {
  it("masks other personal data inside the context", async () => {
    const text = "bob@corp.io 4539578763621486 81.2.69.160";
    const output = await run([fileInput([{ path: "a.txt", text }])], { evidence_context: 20 });
    const card = output.findings.find((f) => f.type === "payment_card");
    expect(card?.evidence).toBe("b***@corp.io ************1486 81.*.*.*");
  });

  it("does not cross line breaks and honours evidence_context 0", async () => {
    const text = "secret line 12345678\nmail bob@corp.io";
    const wide = await run([fileInput([{ path: "a.txt", text }])], { evidence_context: 40 });
    expect(wide.findings[0]?.evidence).toBe("mail b***@corp.io");
    const none = await run([fileInput([{ path: "a.txt", text }])], { evidence_context: 0 });
    expect(none.findings[0]?.evidence).toBe("b***@corp.io");
  });
});

describe("fingerprints", () => {
  const input = fileInput([{ path: "a.txt", text: "Jane@Corp.io\njane@corp.io" }]);

  it("are stable for one key, normalised, and differ with another key", async () => {
    const a = await run([input], { fingerprint_key: KEY });
    const b = await run([input], { fingerprint_key: KEY });
    const c = await run([input], { fingerprint_key: `${KEY}-other` });
    expect(a.fingerprint).toBe("enabled");
    expect(a.findings[0]?.fingerprint).toBe(a.findings[1]?.fingerprint);
    expect(a.findings[0]?.fingerprint).toBe(b.findings[0]?.fingerprint);
    expect(c.findings[0]?.fingerprint).not.toBe(a.findings[0]?.fingerprint);
  });

  it("are null without a key and read the key from WCT_FINGERPRINT_KEY", async () => {
    vi.stubEnv("WCT_FINGERPRINT_KEY", "");
    const none = await run([input]);
    expect(none.findings[0]?.fingerprint).toBeNull();
    expect(none.fingerprint).toBe("disabled");
    vi.stubEnv("WCT_FINGERPRINT_KEY", KEY);
    const fromEnv = await run([input]);
    const explicit = await run([input], { fingerprint_key: KEY });
    expect(fromEnv.findings[0]?.fingerprint).toBe(explicit.findings[0]?.fingerprint);
  });

  it("refuse a short key from the environment with a stable code", async () => {
    vi.stubEnv("WCT_FINGERPRINT_KEY", "short");
    await expect(run([input])).rejects.toMatchObject({ code: "ERR_PERSONAL_DATA_FINGERPRINT_KEY" });
  });
});

describe("rules", () => {
  const text = "bob@corp.io 81.2.69.160 EMP-004211";

  it("include narrows the built-in set by id or type", async () => {
    const output = await run([fileInput([{ path: "a.txt", text }])], {
      rules: { include: ["email"] },
    });
    expect(output.findings.map((f) => f.type)).toEqual(["email"]);
    expect(output.rules.enabled).toEqual(["email"]);
  });

  it("exclude removes rules by id or type", async () => {
    const output = await run([fileInput([{ path: "a.txt", text }])], {
      rules: { exclude: ["ip_address", "field_name"] },
    });
    expect(output.findings.map((f) => f.type)).toEqual(["email"]);
    expect(output.rules.enabled).not.toContain("ip_address.v4");
  });

  it("add runs a rule given as data", async () => {
    const output = await run([fileInput([{ path: "a.txt", text }])], {
      rules: {
        include: ["email"],
        add: [
          {
            id: "acme.employee_id",
            type: "employee_id",
            category: "user.unique_id",
            pattern: "EMP-\\d{6}",
            confidence: 0.8,
            mask: { keep_last: 2 },
          },
          {
            id: "acme.badge",
            kind: "field_name",
            category: "user.unique_id",
            names: ["badge_no"],
            confidence: 0.9,
          },
        ],
      },
    });
    expect(output.findings.map((f) => [f.type, f.category, f.evidence])).toEqual([
      // Context stops after 16 characters; a value cut at the edge is masked whole.
      ["email", "user.contact.email", "b***@corp.io 81.*.*.* ***"],
      ["employee_id", "user.unique_id", ".** 81.*.*.* ***-****11"],
    ]);
    expect(output.rules.enabled).toEqual(["email", "acme.employee_id", "acme.badge"]);
  });

  it("unknown rule ids are property errors", () => {
    const result = personalDataPropertiesSchema.safeParse({
      rules: { include: ["email", "nope"] },
    });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path)).toEqual([["rules", "include", 1]]);
  });

  it("invalid added rules are property errors", () => {
    const result = personalDataPropertiesSchema.safeParse({
      rules: {
        add: [
          { id: "email", type: "x", category: "user.x", pattern: "a", confidence: 1 },
          { id: "bad", type: "x", category: "user.x", pattern: "(", confidence: 1 },
          { id: "empty", type: "x", category: "user.x", pattern: "a*", confidence: 1 },
        ],
      },
    });
    expect(result.error?.issues.map((i) => i.path)).toEqual([
      ["rules", "add", 1, "pattern"],
      ["rules", "add", 2, "pattern"],
      ["rules", "add", 0, "id"],
    ]);
  });

  it("properties are strict and have defaults", () => {
    expect(personalDataPropertiesSchema.safeParse({ evidence: 1 }).success).toBe(false);
    expect(personalDataPropertiesSchema.safeParse({ fingerprint_key: "short" }).success).toBe(
      false,
    );
    expect(personalDataPropertiesSchema.parse({})).toEqual({
      evidence_context: 16,
      max_evidence: 1000,
      max_findings: 100000,
      min_confidence: 0.5,
    });
  });
});

describe("inputs and abort", () => {
  it("rejects content with neither files nor tables with a stable code", async () => {
    const input = {
      id: "x",
      schema: { name: "other", version: "1.0.0" },
      source: "s",
      content: {},
    };
    await expect(run([input])).rejects.toMatchObject({
      code: "ERR_PERSONAL_DATA_UNSUPPORTED_INPUT",
    });
  });

  it("stops with the signal's reason when aborted", async () => {
    const controller = new AbortController();
    const reason = new Error("timeout");
    controller.abort(reason);
    const input = fileInput([{ path: "a.txt", text: "bob@corp.io" }]);
    await expect(findPersonalData([input], {}, controller.signal)).rejects.toBe(reason);
  });

  it("aborts between files of a large input", async () => {
    const controller = new AbortController();
    const files = Array.from({ length: 400 }, (_, i) => ({
      path: `f${i}.txt`,
      text: "x ".repeat(50_000),
    }));
    const promise = findPersonalData([fileInput(files)], {}, controller.signal);
    setImmediate(() => controller.abort(new Error("stop")));
    await expect(promise).rejects.toThrow("stop");
  });
});
