import { cpSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  REPO_ROOT,
  readArtifact,
  removeDir,
  runIdFrom,
  tempDir,
  type WctResult,
  wct,
} from "./helpers.js";

// Counts of value findings by type, as documented in examples/README.md.
const EXPECTED = {
  code_findings: {
    email: 11,
    phone_number: 7,
    ip_address: 5,
    payment_card: 2,
    iban: 3,
    us_ssn: 1,
    uk_nino: 1,
    date_of_birth: 1,
  },
  db_findings: {
    email: 9,
    phone_number: 6,
    ip_address: 4,
    payment_card: 3,
    iban: 2,
    us_ssn: 1,
    date_of_birth: 6,
  },
};

// Raw planted values that must never appear in a findings artifact.
const RAW = [
  "4929 1827 3645 0186",
  "4929182736450186",
  "GB60 ACME 4051 2712 3456 78",
  "GB60ACME40512712345678",
  "078-05-1120",
  "AB 12 34 56 C",
  "priya.patel@acme-shop.test",
  "+44 7700 900123",
];

let dir: string;
let result: WctResult;
let runId: string;

beforeAll(async () => {
  dir = tempDir();
  cpSync(join(REPO_ROOT, "examples"), join(dir, "examples"), { recursive: true });
  result = await wct(["run", "examples/quickstart.yaml"], { cwd: dir });
  runId = runIdFrom(result.stderr);
});
afterAll(() => removeDir(dir));

describe("quickstart example", () => {
  it("runs end to end and prints a report of its findings", () => {
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("OUTPUTS");
    expect(result.stdout).toMatch(/code_findings\s+\(personal_data_finding\/1\.0\.0\)/);
    expect(result.stdout).toMatch(/by_type: .*email 11/);
  });

  it("finds the planted personal data in code and database, by type", () => {
    for (const [artifact, expected] of Object.entries(EXPECTED)) {
      const content = readArtifact(join(dir, ".waivern"), runId, artifact).content as {
        findings: { type: string }[];
      };
      const byType: Record<string, number> = {};
      for (const f of content.findings)
        if (f.type !== "field_name") byType[f.type] = (byType[f.type] ?? 0) + 1;
      expect(byType, artifact).toEqual(expected);
      expect(
        content.findings.some((f) => f.type === "field_name"),
        artifact,
      ).toBe(true);
    }
  });

  it("keeps only masked evidence in the findings artifacts", () => {
    for (const artifact of Object.keys(EXPECTED)) {
      // The whole stored content, whether stored plain or streamed.
      const text = JSON.stringify(readArtifact(join(dir, ".waivern"), runId, artifact));
      for (const raw of RAW) expect(text, `${artifact} leaks ${raw}`).not.toContain(raw);
    }
  });

  it("reports the binary file it skipped in the coverage", () => {
    const content = readArtifact(join(dir, ".waivern"), runId, "code_findings").content as {
      coverage: { inputs: { skipped: { binary: number } }[] };
    };
    expect(content.coverage.inputs[0]?.skipped.binary).toBe(1);
  });
});
