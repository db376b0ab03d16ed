import { afterEach, describe, expect, it, vi } from "vitest";
import { Alias, Parser } from "yaml";
import { collectSubstitutedValues, maskSecrets } from "../src/index.js";
import { diagnosticsOf, parseOk } from "./helpers.js";

afterEach(() => {
  vi.restoreAllMocks();
});

function aliasRunbook(artifacts: number): string {
  const lines = ["name: t", "description: t", "artifacts:", "  art0:", "    source:"];
  lines.push(
    "      type: numbers",
    "      properties:",
    "        l0: &a0 [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]",
  );
  for (let k = 1; k <= 5; k++) {
    lines.push(
      `        l${k}: &a${k} [${Array(10)
        .fill(`*a${k - 1}`)
        .join(", ")}]`,
    );
  }
  for (let i = 1; i < artifacts; i++) {
    lines.push(`  art${i}:`, "    source:", "      type: numbers", "      properties: {p: *a5}");
  }
  return `${lines.join("\n")}\n`;
}

describe("parse cost of hostile YAML", () => {
  it("expands aliases without yaml's per-alias scan of the whole document", () => {
    // Alias.resolve() walks every node of the document on each call: with 100,000
    // expansions that made 500 artifacts take ~25 s. Aliases are resolved once instead.
    // The spy catches any call whatever the size, so 20 artifacts are enough here.
    const resolve = vi.spyOn(Alias.prototype, "resolve");
    const diagnostics = diagnosticsOf(aliasRunbook(20));
    expect(diagnostics.map((d) => d.code)).toEqual(["ERR_YAML_SYNTAX"]);
    expect(resolve).not.toHaveBeenCalled();
  });

  it("an alias refers to the last anchor of its name before it", () => {
    const runbook = parseOk(
      "name: t\ndescription: t\nartifacts:\n  a:\n    source:\n      type: x\n      properties: {one: &v 1, first: *v, two: &v 2, second: *v}\n",
    );
    expect(runbook.artifacts["a"]?.source?.properties).toEqual({
      one: 1,
      first: 1,
      two: 2,
      second: 2,
    });
  });

  it("refuses a million nesting levels before the parser builds them", () => {
    // The parser used to build all 1,000,000 levels (~1 GB, ~20 s) before the depth
    // check ran on its output; it now stops at the first token beyond the bound.
    const end = vi.spyOn(Parser.prototype, "end");
    const levels = 1_000_000;
    const text = `name: t\ndescription: t\nartifacts: ${"[".repeat(levels)}${"]".repeat(levels)}\n`;
    const diagnostics = diagnosticsOf(text);
    expect(diagnostics.map((d) => d.code)).toEqual(["ERR_YAML_SYNTAX"]);
    expect(diagnostics[0]?.line).toBe(3);
    expect(end).not.toHaveBeenCalled();
  });

  it("still accepts nesting within the bound", () => {
    const levels = 100;
    parseOk(
      `name: t\ndescription: t\nartifacts:\n  a:\n    source:\n      type: x\n      properties: {p: ${"[".repeat(levels)}${"]".repeat(levels)}}\n`,
    );
  });
});

describe("secret masking", () => {
  it("maps each substituted value (and its quoted and cut forms) to its placeholder", () => {
    const long = "x".repeat(50);
    const secrets = collectSubstitutedValues("a: ${A}\nb: ${B:-d}\nc: $${C}\nd: ${SHORT}\n", {
      A: 'hun"ter2',
      B: long,
      C: "literal-not-substituted",
      SHORT: "abc",
    });
    expect(maskSecrets('got "hun\\"ter2" and hun"ter2', secrets)).toBe('got "${A}" and ${A}');
    expect(maskSecrets(`${long.slice(0, 40)}…`, secrets)).toBe("${B}…");
    expect(secrets.has("literal-not-substituted")).toBe(false);
    // Too short to tell from ordinary text.
    expect(secrets.has("abc")).toBe(false);
  });

  it("masks a substituted value in validation diagnostics", () => {
    const diagnostics = diagnosticsOf(
      "name: t\ndescription: t\nartifacts:\n  a:\n    source: {type: x}\n    timeout: ${T}\n",
      { T: "hunter2" },
    );
    expect(diagnostics.map((d) => d.code)).toEqual(["ERR_INVALID_VALUE"]);
    expect(JSON.stringify(diagnostics)).not.toContain("hunter2");
  });
});
