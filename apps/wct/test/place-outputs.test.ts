// The bundle's files are put in place so that a `wct` started during a rebuild finds a
// whole build (scripts/place-outputs.mjs).
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { placeOutputs } from "../scripts/place-outputs.mjs";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "wct-place-outputs-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const output = (name: string, text: string) => ({
  path: join(dir, name),
  contents: new TextEncoder().encode(text),
});

// A pid no process has: one that ran and exited.
function deadPid(): number {
  const { pid } = spawnSync(process.execPath, ["-e", "0"]);
  if (pid === undefined) throw new Error("could not start a process");
  return pid;
}

describe("placing the bundle's files", () => {
  it("writes the entries after the chunks they import", () => {
    const order = placeOutputs(
      dir,
      [
        output("main.js", "main"),
        output("chunk-A.js", "a"),
        output("scan-worker.js", "w"),
        output("chunk-B.js", "b"),
      ],
      new Set(["main.js", "scan-worker.js"]),
    );
    expect(order).toEqual(["chunk-A.js", "chunk-B.js", "main.js", "scan-worker.js"]);
    expect(readFileSync(join(dir, "main.js"), "utf8")).toBe("main");
  });

  it("replaces the last build's files and removes those this build has not", () => {
    writeFileSync(join(dir, "main.js"), "old main");
    writeFileSync(join(dir, "chunk-OLD.js"), "old chunk");
    placeOutputs(
      dir,
      [output("main.js", "new main"), output("chunk-NEW.js", "new")],
      new Set(["main.js"]),
    );
    expect(readdirSync(dir).sort()).toEqual(["chunk-NEW.js", "main.js"]);
    expect(readFileSync(join(dir, "main.js"), "utf8")).toBe("new main");
  });

  it("leaves the files a running build is writing and removes those of a build that died", () => {
    const running = `chunk-X.js.${process.ppid}.tmp`;
    const died = `chunk-Y.js.${deadPid()}.tmp`;
    writeFileSync(join(dir, running), "half");
    writeFileSync(join(dir, died), "half");
    placeOutputs(dir, [output("main.js", "main")], new Set(["main.js"]));
    expect(existsSync(join(dir, running))).toBe(true);
    expect(existsSync(join(dir, died))).toBe(false);
  });
});
