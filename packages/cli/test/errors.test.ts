import { CommanderError } from "commander";
import { describe, expect, it } from "vitest";
import { ExitCode, exitCodeFor, formatError, UsageError } from "../src/errors.js";

const coded = (code: string) => Object.assign(new Error(`failure ${code}`), { code });

describe("exit codes", () => {
  it("bad input codes exit 2", () => {
    for (const code of [
      "ERR_RUNBOOK_INVALID",
      "ERR_RUN_NOT_FOUND",
      "ERR_RUNBOOK_CHANGED",
      "ERR_REUSE_RUN_NOT_FOUND",
      "ERR_PLUGIN_LOAD",
      "ERR_INVALID_RUN_ID",
    ]) {
      expect(exitCodeFor(coded(code)), code).toBe(ExitCode.Usage);
    }
    expect(exitCodeFor(new UsageError("bad flag"))).toBe(ExitCode.Usage);
  });

  it("a run held by a live process exits 3", () => {
    expect(exitCodeFor(coded("ERR_RUN_LOCKED"))).toBe(ExitCode.Conflict);
  });

  it("commander usage errors exit 2 and help or version exits 0", () => {
    expect(exitCodeFor(new CommanderError(1, "commander.unknownOption", "x"))).toBe(2);
    expect(exitCodeFor(new CommanderError(0, "commander.helpDisplayed", "x"))).toBe(0);
  });

  it("unexpected errors exit 1", () => {
    expect(exitCodeFor(new TypeError("boom"))).toBe(ExitCode.RunFailed);
  });
});

describe("error output", () => {
  it("shows the code and message without a stack trace", () => {
    const text = formatError(coded("ERR_RUN_NOT_FOUND"), false);
    expect(text).toContain("[ERR_RUN_NOT_FOUND]");
    expect(text).not.toMatch(/\n\s+at /);
  });

  it("shows the stack trace in debug mode", () => {
    expect(formatError(coded("ERR_RUN_NOT_FOUND"), true)).toMatch(/\n\s+at /);
  });

  it("shows a wrapped error's causes with their codes only in debug mode", () => {
    const inner = coded("ERR_CORRUPT_ENTRY");
    const outer = Object.assign(new Error("outer", { cause: inner }), { code: "ERR_RUN_CORRUPT" });
    expect(formatError(outer, false)).not.toContain(inner.message);
    const debug = formatError(outer, true);
    expect(debug).toContain("[ERR_CORRUPT_ENTRY]");
    expect(debug).toContain(inner.message);
  });

  it("lists every diagnostic as file:line:col with its hint", () => {
    const error = Object.assign(coded("ERR_RUNBOOK_INVALID"), {
      diagnostics: [
        {
          code: "ERR_UNKNOWN_KEY",
          message: "unknown key",
          file: "a.yaml",
          line: 3,
          column: 5,
          path: "artifacts.x.sourse",
          hint: 'did you mean "source"?',
        },
        {
          code: "ERR_MISSING_ENV",
          message: "X is not set",
          file: "a.yaml",
          line: 9,
          column: 2,
          path: "artifacts.y",
        },
      ],
    });
    const text = formatError(error, false);
    expect(text).toContain("a.yaml:3:5: unknown key [ERR_UNKNOWN_KEY] (at artifacts.x.sourse)");
    expect(text).toContain('hint: did you mean "source"?');
    expect(text).toContain("a.yaml:9:2:");
  });
});

describe("paths in error output", () => {
  it("shows paths below the working folder relative to it", () => {
    const error = Object.assign(coded("ERR_RUNBOOK_INVALID"), {
      message: "Runbook /home/u/proj/rb.yaml is invalid (1 problem):\n  details",
      diagnostics: [
        {
          code: "ERR_X",
          message: "bad",
          file: "/home/u/proj/rb.yaml",
          line: 1,
          column: 2,
          path: "",
        },
      ],
    });
    const text = formatError(error, false, "/home/u/proj");
    expect(text).toContain("wct: Runbook rb.yaml is invalid (1 problem) [ERR_RUNBOOK_INVALID]");
    expect(text).toContain("  rb.yaml:1:2: bad [ERR_X]");
    expect(text).not.toContain("details");
  });
});
