import { expect } from "vitest";
import { type Diagnostic, parseRunbook, type Runbook } from "../src/index.js";

export const FILE = "runbook.yaml";

/** Parses with an explicit (empty unless given) environment. */
export function parse(text: string, env: Record<string, string | undefined> = {}) {
  return parseRunbook(text, { file: FILE, env });
}

export function parseOk(text: string, env: Record<string, string | undefined> = {}): Runbook {
  const result = parse(text, env);
  if (!result.ok) {
    expect.fail(`expected a valid runbook, got ${JSON.stringify(result.diagnostics, null, 2)}`);
  }
  return result.runbook;
}

export function diagnosticsOf(
  text: string,
  env: Record<string, string | undefined> = {},
): Diagnostic[] {
  const result = parse(text, env);
  expect(result.ok).toBe(false);
  return result.diagnostics;
}

/** `code path line:column` of each diagnostic, for compact assertions. */
export function summary(diagnostics: Diagnostic[]): string[] {
  return diagnostics.map((d) => `${d.code} ${d.path} ${d.line}:${d.column}`);
}

/** A valid runbook header followed by the given `artifacts:` body (indented 2). */
export function withArtifacts(body: string): string {
  return `name: demo\ndescription: test runbook\nartifacts:\n${body}`;
}
