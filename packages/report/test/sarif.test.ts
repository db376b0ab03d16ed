import { readFileSync } from "node:fs";
import { findingIdentity } from "@wct/findings";
import AjvModule from "ajv-draft-04";
import addFormatsModule from "ajv-formats";
import { describe, expect, it } from "vitest";
import { SuppressionMatcher } from "../src/index.js";
import { fileFinding, render, scanCorpus } from "./helpers.js";

// The SARIF 2.1.0 JSON schema as Microsoft publishes it (SchemaStore's
// sarif-2.1.0-rtm.5.json, shipped in @microsoft/jest-sarif), a draft-04 schema. Its
// `language` pattern is not valid with the u flag, hence unicodeRegExp: false.
const schema = JSON.parse(
  readFileSync(new URL("./fixtures/sarif-schema-2.1.0.json", import.meta.url), "utf8"),
);
// CommonJS packages: depending on the interop, the default import is the export itself
// or a namespace holding it under `default`.
const interop = <T>(m: T): T => ((m as { default?: T }).default ?? m) as T;
const Ajv = interop(AjvModule.default);
const addFormats = interop(addFormatsModule.default);
const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
addFormats(ajv);
const validate = ajv.compile(schema);

function expectValid(log: unknown) {
  const ok = validate(log);
  expect(validate.errors ?? []).toEqual([]);
  expect(ok).toBe(true);
}

describe("SARIF", () => {
  it("the schema check rejects a log that breaks the schema", () => {
    expect(
      validate({
        version: "2.1.0",
        runs: [{ tool: { driver: { name: "x" } }, results: [{ bogus: 1 }] }],
      }),
    ).toBe(false);
  });

  it("a real scan's report validates against the SARIF 2.1.0 schema", async () => {
    const output = await scanCorpus();
    const log = JSON.parse(await render("sarif", output.findings));
    expectValid(log);
    expect(log.runs[0].results).toHaveLength(output.findings.length);
  });

  it("a report with baseline states and suppressions validates against the schema", async () => {
    const current = [fileFinding(1), fileFinding(2), fileFinding(3)];
    const suppress = new SuppressionMatcher(
      [
        {
          identity: findingIdentity(current[2] as never),
          path: null,
          type: null,
          reason: "fixture",
          author: "qa",
          expires: null,
          source: "wct-suppressions.yaml:2:5",
          pathPattern: null,
        },
      ],
      "2026-01-01",
    );
    const log = JSON.parse(
      await render("sarif", current, {
        baseline: [fileFinding(1), fileFinding(9)],
        annotate: { suppressions: suppress },
        ctx: { baseline_run: "01900000-0000-7000-8000-000000000000" },
      }),
    );
    expectValid(log);
    const states = log.runs[0].results.map((r: { baselineState: string }) => r.baselineState);
    expect(states).toEqual(["unchanged", "new", "new", "absent"]);
    expect(log.runs[0].results[2].suppressions[0]).toMatchObject({
      kind: "external",
      justification: "fixture",
    });
  });

  it("has one rule per finding type with help text and category", async () => {
    const output = await scanCorpus();
    const log = JSON.parse(await render("sarif", output.findings));
    const rules = log.runs[0].tool.driver.rules;
    const types = [...new Set(output.findings.map((f) => f.type))].sort();
    expect(rules.map((r: { id: string }) => r.id).sort()).toEqual(types);
    const email = rules.find((r: { id: string }) => r.id === "email");
    expect(email.help.text).toMatch(/E-mail/);
    expect(email.properties.categories).toContain("user.contact.email");
    for (const result of log.runs[0].results) {
      expect(rules[result.ruleIndex].id).toBe(result.ruleId);
    }
  });

  it("locates file findings by relative URI, line and column, with the fingerprint", async () => {
    const finding = fileFinding(5, {
      location: { kind: "file", path: "src/my dir/a.ts", line: 12, column: 7 },
    });
    const log = JSON.parse(await render("sarif", [finding]));
    const result = log.runs[0].results[0];
    expect(result.locations[0].physicalLocation).toEqual({
      artifactLocation: { uri: "src/my%20dir/a.ts", uriBaseId: "SRCROOT" },
      region: { startLine: 12, startColumn: 7 },
    });
    expect(result.partialFingerprints["wct/fingerprint/v1"]).toBe(finding.fingerprint);
  });
});
