import { describe, expect, it } from "vitest";
import { PersonalDataErrorCode } from "../src/errors.js";
import type { PersonalDataProperties } from "../src/properties.js";
import { ScanPool } from "../src/scan-pool.js";

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
