import { fileURLToPath, pathToFileURL } from "node:url";
import type { ProgressReport } from "@wct/plugin-api";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { bundleChild } from "../../../scripts/test-child.js";
import { PersonalDataErrorCode } from "../src/errors.js";
import { findPersonalData, personalDataProcessor, streamPersonalData } from "../src/index.js";
import { ScanPool } from "../src/scan-pool.js";
import { databaseInput, databaseRowsInput, fileInput } from "./helpers.js";
import { asRecordInput, asStreamedInput, asStreamedRows, materialise } from "./stream-helpers.js";

const files = fileInput([
  { path: "a.txt", text: "mail jane@corp.io and call +44 20 7946 0958" },
  { path: "b.txt", text: "card: 4539 5787 6362 1486" },
  { path: "c.txt", text: "nothing here" },
]);
const shop = databaseInput([
  {
    name: "customers",
    columns: ["id", "email", "birth_date"],
    rows: [{ rowid: 1, values: { id: 1, email: "amy@shop.io", birth_date: "1990-04-01" } }],
  },
]);

const tablesOfShop = [
  {
    name: "accounts",
    columns: ["id", "email", "phone"],
    rows: [
      { rowid: 1, values: { id: 1, email: "amy@shop.io", phone: "+44 20 7946 0958" } },
      { rowid: 2, values: { id: 2, email: null, phone: "nothing" } },
    ],
  },
  { name: "empty_contacts", columns: ["email_address"], rows: [] },
  {
    name: "people",
    columns: ["ssn", "birth_date"],
    rows: [
      { rowid: 7, values: { ssn: "078-05-1120", birth_date: "1990-04-01", extra: "bob@x.io" } },
    ],
  },
  { name: "zz_last_empty", columns: ["phone_number"], rows: [] },
];

/** The findings and coverage with the input's schema version left out. */
function withoutSchema(out: unknown): unknown {
  const value = out as { coverage: { inputs: Array<Record<string, unknown>> } };
  return {
    ...value,
    coverage: {
      ...value.coverage,
      inputs: value.coverage.inputs.map(({ schema: _, ...rest }) => rest),
    },
  };
}

describe("database rows (database_content/2.0.0)", () => {
  const v1 = databaseInput(tablesOfShop);
  const v2 = databaseRowsInput(tablesOfShop);

  it("finds in streamed rows what the scan of the same tables as 1.0.0 finds", async () => {
    const before = await findPersonalData([v1], {});
    expect(before.findings.length).toBeGreaterThan(5);
    const streamed = await materialise(streamPersonalData([asStreamedRows(v2)], {}));
    expect(withoutSchema(streamed)).toEqual(withoutSchema(before));
  });

  it("finds in rows stored as one value what it finds in streamed rows", async () => {
    const streamed = await materialise(streamPersonalData([asStreamedRows(v2)], {}));
    expect(await materialise(streamPersonalData([asRecordInput(v2)], {}))).toEqual(streamed);
    expect(await findPersonalData([v2], {})).toEqual(streamed);
  });

  it("yields a row's findings before the next row is pulled", async () => {
    let pulled = 0;
    const input = asStreamedRows(v2);
    const counting = {
      ...input,
      async *records() {
        for await (const row of input.records()) {
          pulled++;
          yield row;
        }
      },
    };
    const iterator = streamPersonalData([counting], {}).records[Symbol.asyncIterator]();
    // The field names of accounts come first, then the findings of its first row.
    const seen: unknown[] = [];
    for (;;) {
      const next = await iterator.next();
      seen.push(next.value);
      if ((next.value as { type: string }).type !== "field_name") break;
    }
    expect(pulled).toBe(1);
    await iterator.return?.(undefined);
  });

  it("scans a row of a table the head does not list, without field names", async () => {
    const input = asStreamedRows(v2);
    const extra = {
      ...input,
      async *records() {
        yield* input.records();
        yield { table: "stray", rowid: 1, values: { email: "eve@stray.io" } };
      },
    };
    const out = (await materialise(streamPersonalData([extra], {}))) as {
      findings: Array<{ type: string; location: { table: string } }>;
      coverage: { inputs: Array<{ tables_scanned: number }> };
    };
    expect(out.findings.filter((f) => f.location.table === "stray").map((f) => f.type)).toEqual([
      "email",
    ]);
    expect(out.coverage.inputs[0]?.tables_scanned).toBe(5);
  });

  it("reports progress in rows", async () => {
    const reports: ProgressReport[] = [];
    await materialise(
      streamPersonalData([asStreamedRows(v2)], {}, undefined, (r) => reports.push(r)),
    );
    expect(reports.at(-1)).toMatchObject({ items: 3, unit: "rows" });
  });
});

describe("streamed personal-data scan", () => {
  it("finds in streamed file records what the whole-value scan finds", async () => {
    const whole = await findPersonalData([files], {});
    const streamed = await materialise(streamPersonalData([asStreamedInput(files, "files")], {}));
    expect(streamed).toEqual(whole);
  });

  it("finds in streamed table records what the whole-value scan finds", async () => {
    const whole = await findPersonalData([shop], {});
    const streamed = await materialise(streamPersonalData([asStreamedInput(shop, "tables")], {}));
    expect(streamed).toEqual(whole);
  });

  it("reads an input stored as one value through its array", async () => {
    const whole = await findPersonalData([files], {});
    expect(await materialise(streamPersonalData([asRecordInput(files)], {}))).toEqual(whole);
  });

  it("yields each file's findings before the next file is pulled", async () => {
    let pulled = 0;
    const input = asStreamedInput(files, "files");
    const counting = {
      ...input,
      async *records() {
        for await (const file of input.records()) {
          pulled++;
          yield file;
        }
      },
    };
    const out = streamPersonalData([counting], {});
    const iterator = out.records[Symbol.asyncIterator]();
    const first = await iterator.next();
    expect(first.value?.location).toMatchObject({ path: "a.txt" });
    expect(pulled).toBe(1);
  });

  it("keeps max_findings across streamed files and counts the rest as truncated", async () => {
    const out = (await materialise(
      streamPersonalData([asStreamedInput(files, "files")], { max_findings: 1 }),
    )) as { findings: unknown[]; coverage: { findings_truncated: number } };
    expect(out.findings).toHaveLength(1);
    expect(out.coverage.findings_truncated).toBeGreaterThan(0);
  });

  it("reports progress in files and bytes scanned", async () => {
    const reports: ProgressReport[] = [];
    await materialise(
      streamPersonalData([asStreamedInput(files, "files")], {}, undefined, (r) => reports.push(r)),
    );
    expect(reports.at(-1)).toMatchObject({ items: 3, unit: "files" });
  });

  it("the processor declares that it reads its inputs as records", () => {
    expect(personalDataProcessor.readsInputsAsRecords).toBe(true);
  });
});

describe("scanning on worker threads", () => {
  // The threads run a bundle of scan-worker.ts: it starts in half the CPU of the
  // sources through tsx (the package's default from its sources, which the
  // scan-pool tests start).
  let workerScript: URL;
  beforeAll(async () => {
    const entry = fileURLToPath(new URL("../src/scan-worker.ts", import.meta.url));
    workerScript = pathToFileURL(await bundleChild(entry));
  });

  // Enough files that several are in flight at once, some of them without findings.
  const many = fileInput(
    Array.from({ length: 60 }, (_, i) => ({
      path: `f${String(i).padStart(2, "0")}.txt`,
      text:
        i % 3 === 0
          ? `plain text ${i}\n`.repeat(50)
          : `line ${i}\nmail user${i}@corp.io, call +44 20 7946 ${String(1000 + i)}\ncard 4539 5787 6362 1486\n`.repeat(
              1 + (i % 7),
            ),
    })),
  );

  it("finds the same, in the same order, as the scan on one thread", async () => {
    const properties = { max_findings: 300, max_evidence: 120 };
    const oneThread = await materialise(
      streamPersonalData([asStreamedInput(many, "files")], properties, undefined, undefined, {
        workers: 0,
      }),
    );
    const pooled = await materialise(
      streamPersonalData([asStreamedInput(many, "files")], properties, undefined, undefined, {
        workers: 2,
        workersAfterBytes: 1000,
        workerScript,
      }),
    );
    expect((pooled as { findings: unknown[] }).findings.length).toBe(300);
    expect(pooled).toEqual(oneThread);
  });

  it("stops its workers when the scan is abandoned midway", async () => {
    const scan = streamPersonalData([asStreamedInput(many, "files")], {}, undefined, undefined, {
      workers: 1,
      workersAfterBytes: 0,
      workerScript,
    });
    const iterator = scan.records[Symbol.asyncIterator]();
    expect((await iterator.next()).done).toBe(false);
    await iterator.return?.();
    expect((await iterator.next()).done).toBe(true);
  });

  describe("a database's rows", () => {
    afterEach(() => {
      vi.restoreAllMocks();
    });

    // Three tables (one the head does not list) whose cells give findings of every kind,
    // test values, cells without any, numbers, nulls, blobs and unlisted columns.
    const values = [
      "jane@corp.io",
      "test@example.com",
      "+44 20 7946 0958",
      "call 020 7946 0958",
      "192.168.1.10",
      "version 1.2.3.4",
      "4539 5787 6362 1486",
      "078-05-1120",
      "1990-04-01",
      "regular order",
      "<blob 12 bytes>",
    ];
    const rowsOf = (n: number, columns: string[]) =>
      Array.from({ length: n }, (_, i) => ({
        rowid: i + 1,
        values: Object.fromEntries(
          columns.map((c, j): [string, string | number | null] => [
            c,
            j === 0 ? i : i % 13 === j ? null : values[(i * 7 + j) % 11]!,
          ]),
        ),
      }));
    const tables = [
      { name: "accounts", columns: ["id", "email", "phone", "note"] },
      { name: "people", columns: ["id", "ssn", "birth_date", "ip_address"] },
    ];
    const rows = databaseRowsInput([
      { ...tables[0]!, rows: rowsOf(1500, tables[0]!.columns) },
      { ...tables[1]!, rows: rowsOf(900, [...tables[1]!.columns, "extra"]) },
      { name: "empty", columns: ["email_address"], rows: [] },
    ]);
    const stray = (input: ReturnType<typeof asStreamedRows>) => ({
      ...input,
      async *records() {
        yield* input.records();
        for (let i = 0; i < 700; i++) {
          yield { table: "stray", rowid: i, values: { contact: values[i % 11], n: i } };
        }
      },
    });

    it("finds on a thread the same, in the same order, as on one thread", async () => {
      const properties = { max_findings: 4000, max_evidence: 2500 };
      const oneThread = await materialise(
        streamPersonalData([stray(asStreamedRows(rows))], properties, undefined, undefined, {
          rowWorkers: 0,
        }),
      );
      const batches = vi.spyOn(ScanPool.prototype, "scanCells");
      const threaded = await materialise(
        streamPersonalData([stray(asStreamedRows(rows))], properties, undefined, undefined, {
          rowWorkers: 1,
          workersAfterRows: 0,
          workerScript,
        }),
      );
      // From the first row (the scan waits for its thread), 3,100 rows, 128 to a batch.
      expect(batches).toHaveBeenCalledTimes(25);
      const findings = (threaded as { findings: Array<{ tags: string[] }> }).findings;
      expect(findings.length).toBe(4000);
      expect(findings.some((f) => f.tags.includes("test_value"))).toBe(true);
      expect(threaded).toEqual(oneThread);
    });

    it("sends rows with large cells in smaller batches, with the same findings", async () => {
      // Cells of about 300,000 characters: a batch is full at four rows (1 Mi characters).
      const big = databaseRowsInput([
        {
          name: "notes",
          columns: ["id", "body"],
          rows: Array.from({ length: 12 }, (_, i) => ({
            rowid: i + 1,
            values: { id: i, body: `${"lorem ipsum ".repeat(25_000)} mail n${i}@corp.io` },
          })),
        },
      ]);
      const oneThread = await materialise(
        streamPersonalData([asStreamedRows(big)], {}, undefined, undefined, { rowWorkers: 0 }),
      );
      const batches = vi.spyOn(ScanPool.prototype, "scanCells");
      const threaded = await materialise(
        streamPersonalData([asStreamedRows(big)], {}, undefined, undefined, {
          rowWorkers: 1,
          workersAfterRows: 0,
          workerScript,
        }),
      );
      expect(batches).toHaveBeenCalledTimes(3);
      expect((threaded as { findings: unknown[] }).findings.length).toBeGreaterThanOrEqual(12);
      expect(threaded).toEqual(oneThread);
    });

    it.each([
      ["answers a batch without its matches", "answerless-scan-worker.mjs"],
      ["exits midway", "exiting-scan-worker.mjs"],
    ])("fails with ERR_PERSONAL_DATA_SCAN_FAILED when its thread %s", async (_, fixture) => {
      const scan = streamPersonalData([asStreamedRows(rows)], {}, undefined, undefined, {
        rowWorkers: 1,
        workersAfterRows: 0,
        workerScript: new URL(`./fixtures/${fixture}`, import.meta.url),
      });
      await expect(materialise(scan)).rejects.toMatchObject({
        code: PersonalDataErrorCode.ScanFailed,
      });
    });
  });
});
