import { describe, expect, it } from "vitest";
import { REPORT_FORMATS } from "../src/index.js";
import { fileFinding, RAW, render, scanCorpus } from "./helpers.js";

const compact = (v: string) => v.replace(/[\s().-]/g, "");

describe("every format", () => {
  it.each(REPORT_FORMATS)("%s holds no raw value of a real scan", async (format) => {
    const output = await scanCorpus();
    expect(output.findings.length).toBeGreaterThan(5);
    const text = await render(format, output.findings);
    for (const raw of RAW) {
      expect(text).not.toContain(raw);
      expect(text).not.toContain(compact(raw));
    }
  });
});

describe("CSV", () => {
  it("starts with a header row and has one line per finding", async () => {
    const text = await render("csv", [fileFinding(1), fileFinding(2)]);
    const lines = text.trimEnd().split("\r\n");
    expect(lines[0]?.split(",").slice(0, 3)).toEqual(["artifact", "path", "line"]);
    expect(lines).toHaveLength(3);
  });

  it("quotes commas and quotes and defuses spreadsheet formulas", async () => {
    const text = await render("csv", [fileFinding(1, { evidence: '=HYPERLINK("x"),y' })]);
    expect(text).toContain(`"'=HYPERLINK(""x""),y"`);
  });
});

describe("JSON", () => {
  it("parses and carries findings, identities and totals", async () => {
    const doc = JSON.parse(await render("json", [fileFinding(1), fileFinding(2)]));
    expect(doc.findings).toHaveLength(2);
    expect(doc.findings[0].identity).toMatch(/^[0-9a-f]{32}#0$/);
    expect(doc.totals.total).toBe(2);
  });
});

describe("Markdown", () => {
  it("lists totals and only the first N findings", async () => {
    const findings = Array.from({ length: 80 }, (_, i) => fileFinding(i));
    const text = await render("md", findings);
    expect(text).toContain("## wct report: 80 personal-data findings");
    expect(text).toContain("First 50 of 80");
    expect(text.split("\n").filter((l) => l.startsWith("| `src/"))).toHaveLength(50);
  });

  it("escapes pipes in evidence so the table stays a table", async () => {
    const text = await render("md", [fileFinding(1, { evidence: "a|b" })]);
    expect(text).toContain("a\\|b");
  });
});

describe("HTML", () => {
  it("embeds findings so that a </script> in evidence cannot end the data block", async () => {
    const text = await render("html", [
      fileFinding(1, { evidence: "</script><script>alert(1)</script>" }),
    ]);
    expect(text.match(/<\/script>/g)).toHaveLength(2);
    expect(text).not.toContain("<script>alert(1)");
  });

  it("requests nothing from the network: no src or href attribute, and a CSP that forbids it", async () => {
    const text = await render("html", [fileFinding(1)]);
    expect(text).not.toMatch(/\s(src|href)=/);
    expect(text).toContain("default-src 'none'");
  });
});
