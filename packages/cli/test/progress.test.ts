import { describe, expect, it } from "vitest";
import type { CliIo } from "../src/context.js";
import { createProgressRenderer, formatProgress } from "../src/progress.js";

function io(isTTY: boolean): CliIo & { err: string[] } {
  const err: string[] = [];
  return {
    err,
    stdout: { write: () => true },
    stderr: { write: (chunk: string) => err.push(chunk) },
    isTTY,
    env: {},
    cwd: "/",
  };
}

const progress = (items: number, bytes: number) =>
  ({
    type: "artifact_progress",
    id: "files",
    items,
    items_total: 4452,
    bytes,
    bytes_total: null,
    unit: "files",
  }) as const;

describe("progress inside an artifact", () => {
  it("formats items of a known total, bytes and the rate", () => {
    expect(formatProgress(progress(1204, 120_000_000), 3_000)).toBe(
      "1,204/4,452 files, 120 MB, 40 MB/s",
    );
  });

  it("shows a running artifact's progress on the live line", () => {
    const out = io(true);
    let clock = 0;
    const renderer = createProgressRenderer(out, { quiet: false, now: () => clock });
    renderer.onEvent({
      type: "run_started",
      run_id: "r",
      resumed: false,
      attempt: 1,
      total: 2,
      kept: [],
    });
    renderer.onEvent({ type: "artifact_started", id: "files" });
    clock = 2_000;
    renderer.onEvent(progress(10, 2_000_000));
    renderer.onEvent({
      type: "log",
      id: "files",
      level: "warn",
      message: "redraw",
      fields: undefined,
    });
    renderer.finish();
    expect(out.err.join("")).toContain("1 running (files 10/4,452 files, 2.0 MB, 1.0 MB/s)");
  });

  it("prints progress in plain-line mode at most once per interval", () => {
    const out = io(false);
    let clock = 0;
    const renderer = createProgressRenderer(out, { quiet: false, now: () => clock });
    renderer.onEvent({ type: "artifact_started", id: "files" });
    for (let step = 1; step <= 100; step++) {
      clock = step * 100; // ten seconds in all
      renderer.onEvent(progress(step, step * 1000));
    }
    const lines = out.err
      .join("")
      .split("\n")
      .filter((l) => l.startsWith("progress"));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain("files 50/4,452 files");
  });
});
