import { availableParallelism } from "node:os";
import { afterEach, describe, expect, it, vi } from "vitest";
import { PersonalDataErrorCode } from "../src/errors.js";
import type { PersonalDataProperties } from "../src/properties.js";
import {
  rowScanWorkerCount,
  ScanPool,
  scanWorkersAfterBytes,
  scanWorkersAfterRows,
} from "../src/scan-pool.js";

describe("scanning threads", () => {
  it("fail the files sent to a thread that could not start with ERR_PERSONAL_DATA_SCAN_FAILED", async () => {
    // An added rule whose pattern is not a regular expression: the thread throws while
    // compiling its rules, before it answers anything.
    const props = {
      rules: {
        add: [{ id: "broken", type: "broken", category: "user", pattern: "(" }],
      },
    } as unknown as PersonalDataProperties;
    const pool = new ScanPool(1, props, null);
    try {
      await expect(pool.scan({ path: "a.txt", text: "a@example.com" })).rejects.toMatchObject({
        code: PersonalDataErrorCode.ScanFailed,
      });
      // Later files fail at once instead of waiting on a thread that is gone.
      await expect(pool.scan({ path: "b.txt", text: "b" })).rejects.toMatchObject({
        code: PersonalDataErrorCode.ScanFailed,
      });
    } finally {
      await pool.close();
    }
  });
});

describe("when the scanning threads start", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it("is after 16 MiB of files unless WCT_SCAN_WORKERS_AFTER_MB says otherwise", () => {
    vi.stubEnv("WCT_SCAN_WORKERS_AFTER_MB", undefined);
    expect(scanWorkersAfterBytes()).toBe(16 * 1024 * 1024);
    vi.stubEnv("WCT_SCAN_WORKERS_AFTER_MB", "0");
    expect(scanWorkersAfterBytes()).toBe(0);
    vi.stubEnv("WCT_SCAN_WORKERS_AFTER_MB", "2.5");
    expect(scanWorkersAfterBytes()).toBe(2.5 * 1024 * 1024);
  });

  it("keeps the default for a value that is not a number of megabytes", () => {
    for (const given of ["", "  ", "-1", "lots", "Infinity"]) {
      vi.stubEnv("WCT_SCAN_WORKERS_AFTER_MB", given);
      expect(scanWorkersAfterBytes(), JSON.stringify(given)).toBe(16 * 1024 * 1024);
    }
  });

  it("is after 4,096 rows of a database unless WCT_SCAN_WORKERS_AFTER_ROWS says otherwise", () => {
    vi.stubEnv("WCT_SCAN_WORKERS_AFTER_ROWS", undefined);
    expect(scanWorkersAfterRows()).toBe(4096);
    vi.stubEnv("WCT_SCAN_WORKERS_AFTER_ROWS", "0");
    expect(scanWorkersAfterRows()).toBe(0);
    vi.stubEnv("WCT_SCAN_WORKERS_AFTER_ROWS", "100000");
    expect(scanWorkersAfterRows()).toBe(100_000);
    for (const given of ["", " ", "-1", "2.5", "many", "Infinity"]) {
      vi.stubEnv("WCT_SCAN_WORKERS_AFTER_ROWS", given);
      expect(scanWorkersAfterRows(), JSON.stringify(given)).toBe(4096);
    }
  });

  it("uses WCT_SCAN_WORKERS threads for rows when it is a whole number, else one", () => {
    vi.stubEnv("WCT_SCAN_WORKERS", "0");
    expect(rowScanWorkerCount()).toBe(0);
    vi.stubEnv("WCT_SCAN_WORKERS", "3");
    expect(rowScanWorkerCount()).toBe(3);
    for (const given of ["", "two", "1.5"]) {
      vi.stubEnv("WCT_SCAN_WORKERS", given);
      expect(rowScanWorkerCount(), JSON.stringify(given)).toBe(availableParallelism() >= 2 ? 1 : 0);
    }
  });
});
