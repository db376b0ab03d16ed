import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { useTempDir } from "../../../test-utils/temp-dir.js";
import type { CliContext } from "../src/context.js";
import { main } from "../src/program.js";

function context(cwd: string) {
  const out: string[] = [];
  const err: string[] = [];
  const ctx: CliContext = {
    io: {
      stdout: { write: (s: string) => out.push(s) },
      stderr: { write: (s: string) => err.push(s) },
      isTTY: false,
      env: {},
      cwd,
    },
    version: "0.0.0",
    loadBuiltinPlugins: async () => [],
    openStore: () => {
      throw new Error("eval opens no store");
    },
    onInterrupt: () => () => {},
  };
  return { ctx, stdout: () => out.join(""), stderr: () => err.join("") };
}

const temp = useTempDir("eval");

function labelledSet() {
  const dir = temp.path;
  writeFileSync(join(dir, "app.log"), "login from 81.2.69.160\nversion 3.17.0.5\n");
  writeFileSync(join(dir, "labels.tsv"), "file\tline\ttype\napp.log\t1\tip_address\n");
  return dir;
}

describe("wct eval", () => {
  it("prints precision and recall per type of a TSV set", async () => {
    const dir = labelledSet();
    const { ctx, stdout } = context(dir);
    expect(await main(["eval", "labels.tsv"], ctx)).toBe(0);
    expect(stdout()).toMatch(/^ip_address\s+1\s+1\s+1\s+1\.000\s+1\.000$/m);
  });
  it("prints the scores as JSON with --json", async () => {
    const dir = labelledSet();
    const { ctx, stdout } = context(dir);
    expect(await main(["eval", "labels.tsv", "--json"], ctx)).toBe(0);
    const report = JSON.parse(stdout());
    expect(report.format).toBe("tsv");
    expect(report.by_type.ip_address.precision).toBe(1);
  });
  it("exits 2 with a stable code for a malformed set", async () => {
    const dir = labelledSet();
    writeFileSync(join(dir, "bad.tsv"), "app.log\tone\temail\n");
    const { ctx, stderr } = context(dir);
    expect(await main(["eval", "bad.tsv"], ctx)).toBe(2);
    expect(stderr()).toContain("[ERR_EVAL_INPUT]");
  });
  it("exits 2 for a ratio flag out of range", async () => {
    const dir = labelledSet();
    const { ctx, stderr } = context(dir);
    expect(await main(["eval", "labels.tsv", "--iou", "2"], ctx)).toBe(2);
    expect(stderr()).toContain("[ERR_USAGE]");
  });
});
