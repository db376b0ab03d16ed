import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { removeDir, runIdFrom, tempDir } from "./helpers.js";
import { wctInProcess } from "./in-process.js";

const RUNBOOK = `name: diff
description: scans one folder for personal data
artifacts:
  code:
    source: { type: filesystem, properties: { path: ./src } }
  code_findings:
    inputs: code
    process: { type: personal_data }
    output: true
`;

let dir: string;
const env = { WCT_FINGERPRINT_KEY: "a test key that is long enough" };

beforeEach(() => {
  dir = tempDir();
  mkdirSync(join(dir, "src"));
  writeFileSync(join(dir, "rb.yaml"), RUNBOOK);
  writeFileSync(join(dir, "src", "other.txt"), "nothing personal here\n");
});

afterEach(() => removeDir(dir));

async function scan(text: string): Promise<string> {
  writeFileSync(join(dir, "src", "contacts.txt"), text);
  const result = await wctInProcess(["run", "rb.yaml"], { cwd: dir, env });
  expect(result.code).toBe(0);
  return runIdFrom(result.stderr);
}

interface DiffJson {
  runbook_changed: boolean;
  a: { runbook_hash: string };
  b: { runbook_hash: string };
  artifacts: {
    id: string;
    changed: boolean;
    a: { status: string; content_digest: string } | null;
    b: { status: string; content_digest: string } | null;
    findings?: {
      new: { type: string }[];
      gone: { type: string }[];
      unchanged: number;
      by_type: Record<string, { new: number; gone: number; unchanged: number }>;
    };
  }[];
}

describe("wct runs diff", () => {
  it("reports one new and one gone finding when a scanned file changed", async () => {
    const first = await scan(
      "owner email: alice.jones@example.com\ncall +44 20 7946 0958\nops email: ops.team@example.org\n",
    );
    const second = await scan(
      "intro line added above\nowner email: alice.jones@example.com\ncc robert.smith@corp-mail.net\nops email: ops.team@example.org\n",
    );
    const result = await wctInProcess(["runs", "diff", first.slice(0, 20), second, "--json"], {
      cwd: dir,
    });
    expect(result.code).toBe(0);
    const diff = JSON.parse(result.stdout) as DiffJson;
    expect(diff.runbook_changed).toBe(false);
    expect(diff.a.runbook_hash).toBe(diff.b.runbook_hash);
    const findings = diff.artifacts.find((a) => a.id === "code_findings");
    expect(findings?.changed).toBe(true);
    expect(findings?.findings?.new.map((f) => f.type)).toEqual(["email"]);
    expect(findings?.findings?.gone.map((f) => f.type)).toEqual(["phone_number"]);
    expect(findings?.findings?.by_type["email"]).toMatchObject({ new: 1, gone: 0 });
    expect(findings?.findings?.by_type["phone_number"]).toMatchObject({ new: 0, gone: 1 });
    expect(findings?.findings?.unchanged).toBeGreaterThanOrEqual(2);
    const code = diff.artifacts.find((a) => a.id === "code");
    expect(code?.a?.content_digest).not.toBe(code?.b?.content_digest);
  });

  it("two scans of unchanged files show no changed artifact", async () => {
    const first = await scan("owner email: alice.jones@example.com\n");
    const second = await scan("owner email: alice.jones@example.com\n");
    const result = await wctInProcess(["runs", "diff", first, second, "--json"], { cwd: dir });
    const diff = JSON.parse(result.stdout) as DiffJson;
    expect(diff.artifacts.map((a) => [a.id, a.changed])).toEqual([
      ["code", false],
      ["code_findings", false],
    ]);
    const text = await wctInProcess(["runs", "diff", first, second], { cwd: dir });
    expect(text.code).toBe(0);
    expect(text.stdout).toContain("0 new, 0 gone");
  });

  it("an unknown run exits 2 with close matches", async () => {
    const first = await scan("owner email: alice.jones@example.com\n");
    const typo = `${first.slice(0, 30)}zzzzzz`;
    const result = await wctInProcess(["runs", "diff", typo, first], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("[ERR_RUN_NOT_FOUND]");
    expect(result.stderr).toContain(first);
  });
});
