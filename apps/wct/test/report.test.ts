// `wct report`, run in-process: formats, baselines, suppressions (including an
// expired one) and `--fail-on` exit codes, on real scans of a small source tree.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { removeDir, tempDir } from "./helpers.js";
import { wctInProcess } from "./in-process.js";

const RAW_EMAIL = "jane.doe@corp-mail.io";
const RAW_CARD = "4539 5787 6362 1486";
const APP = `const contact = { email: "${RAW_EMAIL}" };\nconst card = "${RAW_CARD}";\n`;
const RUNBOOK = `name: report e2e
description: scan src for personal data
artifacts:
  code:
    source: { type: filesystem, properties: { path: ./src } }
  findings:
    inputs: code
    process: { type: personal_data, properties: { fingerprint_key: report-e2e-key-0123456789 } }
    output: true
`;

let dir: string;
let store: string;
let first: string;
let second: string;

async function run(): Promise<string> {
  const result = await wctInProcess(["run", "scan.yaml", "--json", "--store", store], { cwd: dir });
  expect(result.code).toBe(0);
  return (JSON.parse(result.stdout) as { run_id: string }).run_id;
}

function report(args: string[]) {
  return wctInProcess(["report", ...args, "--store", store], { cwd: dir });
}

interface JsonReport {
  findings: Array<{
    type: string;
    baseline_state: string | null;
    suppression: { reason: string } | null;
    location: { path: string; line: number };
  }>;
  expired_suppressions: Array<{ source: string }>;
}

beforeAll(async () => {
  dir = tempDir("wct-report-");
  store = join(dir, "store");
  mkdirSync(join(dir, "src"));
  writeFileSync(join(dir, "scan.yaml"), RUNBOOK);
  writeFileSync(join(dir, "src", "app.ts"), APP);
  first = await run();
  // Lines shift in app.ts and a new file brings a new e-mail address.
  writeFileSync(join(dir, "src", "app.ts"), `// header\n// more\n${APP}`);
  writeFileSync(join(dir, "src", "new.ts"), `export const owner = "m.rossi@studio.it";\n`);
  second = await run();
}, 120_000);
afterAll(() => removeDir(dir));

describe("wct report", () => {
  it("`wct run` prints the command that makes the report", async () => {
    const result = await wctInProcess(["run", "scan.yaml", "--store", store], { cwd: dir });
    expect(result.stdout).toMatch(/wct report [0-9a-f-]{36} --format html --output report.html/);
  });

  it.each(["sarif", "html", "md", "csv", "json"])(
    "writes %s without any raw value",
    async (format) => {
      const file = join(dir, `report.${format}`);
      const result = await report([second, "--format", format, "--output", file]);
      expect(result.code).toBe(0);
      const text = readFileSync(file, "utf8");
      expect(text.length).toBeGreaterThan(100);
      expect(text).not.toContain(RAW_EMAIL);
      expect(text).not.toContain(RAW_CARD);
      expect(text).not.toContain(RAW_CARD.replace(/ /g, ""));
    },
  );

  it("marks findings new or unchanged against a baseline, robust to shifted lines", async () => {
    const result = await report([second, "--baseline", first, "--format", "json"]);
    expect(result.code).toBe(0);
    const doc = JSON.parse(result.stdout) as JsonReport;
    const states = doc.findings.map((f) => [f.location.path, f.baseline_state]);
    expect(states.filter(([p]) => p === "new.ts").every(([, s]) => s === "new")).toBe(true);
    expect(states.filter(([p]) => p === "app.ts").every(([, s]) => s === "unchanged")).toBe(true);
    expect(states.some(([p]) => p === "new.ts")).toBe(true);
  });

  it("marks findings absent when they are gone since the baseline", async () => {
    const result = await report([first, "--baseline", second, "--format", "sarif"]);
    const log = JSON.parse(result.stdout);
    const absent = log.runs[0].results.filter(
      (r: { baselineState: string }) => r.baselineState === "absent",
    );
    expect(absent.length).toBeGreaterThan(0);
  });

  it("--fail-on any exits 4 with ERR_FINDINGS_FAIL_ON once the report is written", async () => {
    const file = join(dir, "ci.sarif");
    const result = await report([
      second,
      "--format",
      "sarif",
      "--output",
      file,
      "--fail-on",
      "any",
    ]);
    expect(result.code).toBe(4);
    expect(result.stderr).toContain("[ERR_FINDINGS_FAIL_ON]");
    expect(JSON.parse(readFileSync(file, "utf8")).version).toBe("2.1.0");
  });

  it("--fail-on new exits 0 when every new finding is suppressed, and suppressed ones are reported", async () => {
    const sup = join(dir, "sup-ok.yaml");
    writeFileSync(
      sup,
      "suppressions:\n  - path: new.ts\n    type: email\n    reason: owner consented\n    author: qa@example.com\n",
    );
    const result = await report([
      second,
      "--baseline",
      first,
      "--format",
      "json",
      "--suppressions",
      sup,
      "--fail-on",
      "new",
    ]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const doc = JSON.parse(result.stdout) as JsonReport;
    const inNew = doc.findings.filter((f) => f.location.path === "new.ts" && f.type === "email");
    expect(inNew.length).toBeGreaterThan(0);
    expect(inNew.every((f) => f.suppression?.reason === "owner consented")).toBe(true);
  });

  it("--fail-on new exits 4 while a new finding is not suppressed", async () => {
    const result = await report([
      second,
      "--baseline",
      first,
      "--format",
      "md",
      "--fail-on",
      "new",
    ]);
    expect(result.code).toBe(4);
    expect(result.stderr).toContain("[ERR_FINDINGS_FAIL_ON]");
  });

  it("an expired suppression stops suppressing and says so", async () => {
    const sup = join(dir, "sup-expired.yaml");
    writeFileSync(
      sup,
      "suppressions:\n  - path: new.ts\n    type: email\n    reason: temporary\n    author: qa@example.com\n    expires: 2020-01-31\n",
    );
    const result = await report([
      second,
      "--baseline",
      first,
      "--format",
      "json",
      "--suppressions",
      sup,
      "--fail-on",
      "new",
    ]);
    expect(result.code).toBe(4);
    expect(result.stderr).toContain("[WARN_SUPPRESSION_EXPIRED]");
    const doc = JSON.parse(result.stdout) as JsonReport;
    expect(doc.expired_suppressions.map((e) => e.source)).toEqual(["sup-expired.yaml:2:5"]);
    expect(doc.findings.every((f) => f.suppression === null)).toBe(true);
  });

  it("uses wct-suppressions.yaml of the working directory by default", async () => {
    writeFileSync(
      join(dir, "wct-suppressions.yaml"),
      "suppressions:\n  - path: '**'\n    type: email\n    reason: all fixtures\n    author: qa\n",
    );
    try {
      const doc = JSON.parse((await report([second, "--format", "json"])).stdout) as JsonReport;
      expect(
        doc.findings.filter((f) => f.type === "email").every((f) => f.suppression !== null),
      ).toBe(true);
    } finally {
      removeDir(join(dir, "wct-suppressions.yaml"));
    }
  });

  it("refuses an invalid suppressions file with exit 2 and the entry's file:line:col", async () => {
    const sup = join(dir, "sup-bad.yaml");
    writeFileSync(sup, "suppressions:\n  - path: new.ts\n    type: email\n    author: qa\n");
    const result = await report([second, "--suppressions", sup]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("[ERR_SUPPRESSIONS_INVALID]");
    expect(result.stderr).toContain("sup-bad.yaml:2:5");
  });

  it("refuses an unknown format with exit 2", async () => {
    const result = await report([second, "--format", "pdf"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("[ERR_USAGE]");
  });
});
