import { describe, expect, it } from "vitest";
import { diffFindings, type Finding, findingIdentity } from "../src/index.js";

function finding(over: Partial<Finding> & { line?: number } = {}): Finding {
  const { line = 1, ...rest } = over;
  return {
    type: "email",
    category: "user.contact.email",
    location: { kind: "file", path: "src/a.ts", line, column: 3 },
    confidence: 0.9,
    reasons: [],
    evidence: "j***@e******.com",
    fingerprint: null,
    tags: [],
    ...rest,
  };
}

describe("findings identity and diff", () => {
  it("a finding that moved to another line keeps its identity", () => {
    expect(findingIdentity(finding({ line: 1 }))).toBe(findingIdentity(finding({ line: 40 })));
  });

  it("the fingerprint wins over the evidence when there is one", () => {
    const a = finding({ fingerprint: "hmac-sha256:aa", evidence: "x" });
    const b = finding({ fingerprint: "hmac-sha256:aa", evidence: "y" });
    expect(findingIdentity(a)).toBe(findingIdentity(b));
  });

  it("sqlite findings are told apart by table and column", () => {
    const at = (table: string, column: string) =>
      finding({ location: { kind: "sqlite", path: "db", table, column, rowid: 1 } });
    expect(findingIdentity(at("users", "email"))).not.toBe(findingIdentity(at("orders", "email")));
    expect(findingIdentity(at("users", "email"))).not.toBe(findingIdentity(at("users", "mail")));
  });

  it("reports new, gone and unchanged findings with counts per type", () => {
    const kept = finding();
    const gone = finding({ type: "phone", evidence: "+44 ***" });
    const added = finding({ evidence: "m***@x.org" });
    const diff = diffFindings([kept, gone], [{ ...kept }, added]);
    expect(diff.new).toEqual([added]);
    expect(diff.gone).toEqual([gone]);
    expect(diff.unchanged).toHaveLength(1);
    expect(diff.by_type).toEqual({
      email: { new: 1, gone: 0, unchanged: 1 },
      phone: { new: 0, gone: 1, unchanged: 0 },
    });
  });

  it("repeats of one value are matched one to one", () => {
    const once = finding();
    const diff = diffFindings([once], [once, finding({ line: 9 })]);
    expect(diff.unchanged).toHaveLength(1);
    expect(diff.new).toHaveLength(1);
  });
});
