import { afterEach as __ae, beforeEach as __be } from "vitest";
let __c0 = process.cpuUsage(); __be(() => { __c0 = process.cpuUsage(); }); __ae((ctx) => { const u = process.cpuUsage(__c0); console.log("CPU", ((u.user + u.system) / 1000).toFixed(0), ctx.task.name.slice(0, 60)); });
import { describe, expect, it } from "vitest";
import { diffFindings, findingIdentity, type IdentifiableFinding } from "../src/index.js";

const email = (path: string, line: number, evidence = "a***@x.com"): IdentifiableFinding => ({
  type: "email",
  location: { kind: "file", path, line, column: 3 },
  evidence,
  fingerprint: "hmac-sha256:ab",
});

describe("findingIdentity", () => {
  it("ignores the line and column, so shifted code keeps its identity", () => {
    expect(findingIdentity(email("a.ts", 3))).toBe(findingIdentity(email("a.ts", 90)));
  });

  it("differs by path, type and fingerprint, and by masked evidence without a fingerprint", () => {
    const base = findingIdentity(email("a.ts", 3));
    expect(findingIdentity(email("b.ts", 3))).not.toBe(base);
    const bare = (evidence: string) => ({ ...email("a.ts", 3, evidence), fingerprint: null });
    expect(findingIdentity(bare("b***@x.com"))).not.toBe(findingIdentity(bare("a***@x.com")));
    expect(findingIdentity({ ...email("a.ts", 3), type: "phone_number" })).not.toBe(base);
    expect(findingIdentity({ ...email("a.ts", 3), fingerprint: null })).not.toBe(base);
  });

  it("uses table and column, not the row, for SQLite findings", () => {
    const cell = (rowid: number): IdentifiableFinding => ({
      type: "email",
      location: { kind: "sqlite", path: "db.sqlite", table: "users", column: "email", rowid },
      evidence: null,
      fingerprint: "hmac-sha256:ab",
    });
    expect(findingIdentity(cell(1))).toBe(findingIdentity(cell(2)));
  });

  it("ends with the occurrence index", () => {
    expect(findingIdentity(email("a.ts", 3), 2)).toMatch(/^[0-9a-f]{32}#2$/);
  });
});

describe("diffFindings", () => {
  it("sorts findings into new, unchanged and gone, robust to shifted lines", () => {
    const before = [email("a.ts", 1), email("gone.ts", 1)];
    const after = [email("a.ts", 40), email("new.ts", 2)];
    const diff = diffFindings(before, after);
    expect(diff.unchanged).toEqual([after[0]]);
    expect(diff.new).toEqual([after[1]]);
    expect(diff.gone).toEqual([before[1]]);
  });

  it("tells repeats apart by occurrence: a second equal finding is new", () => {
    const diff = diffFindings([email("a.ts", 1)], [email("a.ts", 1), email("a.ts", 9)]);
    expect(diff.unchanged).toHaveLength(1);
    expect(diff.new).toHaveLength(1);
    expect(diff.gone).toHaveLength(0);
  });
});
