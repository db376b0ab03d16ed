import { findingIdentity } from "@wct/findings";
import { describe, expect, it } from "vitest";
import {
  globToRegExp,
  parseSuppressions,
  SuppressionMatcher,
  SuppressionsError,
} from "../src/index.js";
import { fileFinding } from "./helpers.js";

function problems(text: string) {
  try {
    parseSuppressions(text, "wct-suppressions.yaml");
  } catch (error) {
    expect(error).toBeInstanceOf(SuppressionsError);
    return error as SuppressionsError;
  }
  throw new Error("expected the file to be refused");
}

describe("suppressions file", () => {
  it("reports a missing reason at the entry's line and column", () => {
    const error = problems("suppressions:\n  - path: src/**\n    type: email\n    author: me\n");
    expect(error.code).toBe("ERR_SUPPRESSIONS_INVALID");
    expect(error.diagnostics).toHaveLength(1);
    expect(error.diagnostics[0]).toMatchObject({
      file: "wct-suppressions.yaml",
      line: 2,
      column: 5,
    });
  });

  it("reports a bad expiry date at the value's position", () => {
    const error = problems(
      "suppressions:\n  - path: a.ts\n    type: email\n    reason: r\n    author: a\n    expires: next week\n",
    );
    expect(error.diagnostics[0]).toMatchObject({ line: 6, column: 14 });
  });

  it("reports YAML syntax errors with their position", () => {
    const error = problems("suppressions:\n  - path: [a\n");
    expect(error.code).toBe("ERR_SUPPRESSIONS_INVALID");
    expect(error.diagnostics[0]?.line).toBeGreaterThanOrEqual(2);
  });

  it("refuses an entry with neither identity nor path + type", () => {
    const error = problems("suppressions:\n  - reason: r\n    author: a\n");
    expect(error.diagnostics[0]).toMatchObject({ line: 2, column: 5 });
  });

  it("records where each entry is written", () => {
    const [entry] = parseSuppressions(
      "suppressions:\n  - path: a.ts\n    type: email\n    reason: r\n    author: a\n",
      "s.yaml",
    );
    expect(entry?.source).toBe("s.yaml:2:5");
  });
});

describe("matching", () => {
  const file = (text: string) => parseSuppressions(text, "s.yaml");

  it("matches by path glob and type", () => {
    const m = new SuppressionMatcher(
      file(
        "suppressions:\n  - path: 'src/**/*.ts'\n    type: email\n    reason: fixtures\n    author: a\n",
      ),
      "2026-01-01",
    );
    const email = fileFinding(0, {
      location: { kind: "file", path: "src/a/b.ts", line: 1, column: 1 },
    });
    expect(m.match(email, "x#0")?.reason).toBe("fixtures");
    expect(m.match({ ...email, type: "iban" }, "x#0")).toBeNull();
  });

  it("matches by identity", () => {
    const finding = fileFinding(3);
    const identity = findingIdentity(finding);
    const m = new SuppressionMatcher(
      file(`suppressions:\n  - identity: "${identity}"\n    reason: known\n    author: a\n`),
      "2026-01-01",
    );
    expect(m.match(finding, identity)?.reason).toBe("known");
    expect(m.match(finding, identity.replace(/#0$/, "#1"))).toBeNull();
  });

  it("an entry suppresses through its expiry day and stops the day after, saying so", () => {
    const entries = file(
      "suppressions:\n  - path: '**'\n    type: email\n    reason: r\n    author: a\n    expires: 2026-03-01\n",
    );
    const email = fileFinding(0);
    expect(new SuppressionMatcher(entries, "2026-03-01").match(email, "x#0")).not.toBeNull();
    const after = new SuppressionMatcher(entries, "2026-03-02");
    expect(after.match(email, "x#0")).toBeNull();
    expect(after.expired).toEqual([{ source: "s.yaml:2:5", expires: "2026-03-01", reason: "r" }]);
  });

  it("globs: ** crosses folders, * does not", () => {
    expect(globToRegExp("src/*.ts").test("src/a/b.ts")).toBe(false);
    expect(globToRegExp("src/**/*.ts").test("src/b.ts")).toBe(true);
    expect(globToRegExp("src/**/*.ts").test("src/a/b.ts")).toBe(true);
  });
});
