import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TREE_SCAN_RUNBOOK } from "./fixtures/folders.js";
import { removeDir, runIdFrom, startWct, tempDir } from "./helpers.js";
import { wctInProcess } from "./in-process.js";

// A text tree large enough that a scan is still streaming when the first progress
// line shows: 300 files of 3 kB, each with an e-mail address to find. The scan's time
// goes by files, not bytes (a few hundred milliseconds from the first file's progress
// line to the last file here, on a loaded machine), so the files stay many and small:
// the kill lands mid-stream, and the three full scans (the clean run, two resumes) stay
// cheap. The first file of each folder is 22 kB, large enough to be framed on the store's
// framing thread, whose records the writer takes ahead of their lines: a kill or an
// interrupt may land while some are on their way.
const FILES = 300;

function makeTree(root: string): void {
  const filler = `${"lorem ipsum dolor sit amet ".repeat(100)}\n`;
  for (let d = 0; d < 15; d++) {
    const folder = join(root, `dir${String(d).padStart(2, "0")}`);
    mkdirSync(folder, { recursive: true });
    for (let f = 0; f < FILES / 15; f++) {
      writeFileSync(
        join(folder, `f${String(f).padStart(3, "0")}.txt`),
        `${f === 0 ? filler.repeat(8) : filler}contact person${d}_${f}@example.org\n`,
      );
    }
  }
}

let dir: string;
let cleanRunId: string;
const clean: Record<string, unknown> = {};
// Plain progress lines as soon as there is progress: the test waits on them.
const env = { WCT_PROGRESS_INTERVAL_MS: "0" };

async function contentOf(store: string, runId: string, id: string): Promise<unknown> {
  const shown = await wctInProcess(["inspect", runId, id, "--json", "--store", store], {
    cwd: dir,
  });
  expect(shown.code, shown.stderr).toBe(0);
  return JSON.parse(shown.stdout).content;
}

beforeAll(async () => {
  dir = tempDir("wct-stream-");
  makeTree(join(dir, "tree"));
  writeFileSync(join(dir, "rb.yaml"), TREE_SCAN_RUNBOOK);
  // Only the runs killed or interrupted mid-stream need a process of their own: the
  // clean reference run, the resumes and the inspections run in this one.
  const run = await wctInProcess(["run", "rb.yaml", "--store", "clean"], { cwd: dir });
  expect(run.code, run.stderr).toBe(0);
  cleanRunId = runIdFrom(run.stderr);
  for (const id of ["files", "findings"]) clean[id] = await contentOf("clean", cleanRunId, id);
}, 120_000);

afterAll(() => removeDir(dir));

/** Starts a run and resolves once it printed progress of the streamed `files` artifact. */
async function runUntilStreaming(store: string) {
  const run = startWct(["run", "rb.yaml", "--store", store], { cwd: dir, env });
  for (let n = 1; ; n++) {
    const lines = await run.stderrLines(n);
    if (lines.length < n) throw new Error(`run ended before streaming: ${run.stderr()}`);
    if (lines[n - 1]!.startsWith("progress  files"))
      return { run, runId: runIdFrom(lines.join("\n")) };
  }
}

describe("streamed artifacts through the binary", () => {
  it("stores the scan streamed, as one entry a person can find", async () => {
    const files = clean.files as { files: unknown[]; coverage: { files_read: number } };
    expect(files.files).toHaveLength(FILES);
    expect(files.coverage.files_read).toBe(FILES);
    expect((clean.findings as { summary: { total: number } }).summary.total).toBeGreaterThanOrEqual(
      FILES,
    );
  });

  it("a run killed with SIGKILL mid-stream resumes to the artifacts of a clean run", async () => {
    const { run, runId } = await runUntilStreaming("killed");
    run.child.kill("SIGKILL");
    const killed = await run.done;
    expect(killed.signal).toBe("SIGKILL");
    // The half-written stream is not an artifact.
    const state = await wctInProcess(["inspect", runId, "--json", "--store", "killed"], {
      cwd: dir,
    });
    expect(JSON.parse(state.stdout).state.completed).not.toContain("files");
    expect(
      readdirSync(join(dir, "killed", "runs", runId)).filter((name) => name.startsWith("files.")),
    ).toEqual([]);

    const resumed = await wctInProcess(["run", "rb.yaml", "--store", "killed", "--resume", runId], {
      cwd: dir,
    });
    expect(resumed.code, resumed.stderr).toBe(0);
    for (const id of ["files", "findings"]) {
      expect(await contentOf("killed", runId, id)).toEqual(clean[id]);
    }
  }, 120_000);

  it("SIGINT mid-stream exits 130 with a run that resumes to the clean artifacts", async () => {
    const { run, runId } = await runUntilStreaming("interrupted");
    run.child.kill("SIGINT");
    const stopped = await run.done;
    expect(stopped.code).toBe(130);
    const resumed = await wctInProcess(
      ["run", "rb.yaml", "--store", "interrupted", "--resume", runId],
      {
        cwd: dir,
      },
    );
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(await contentOf("interrupted", runId, "findings")).toEqual(clean.findings);
  }, 120_000);

  it("inspect shows a page of a streamed artifact's records", async () => {
    const shown = await wctInProcess(
      ["inspect", cleanRunId, "files", "--store", "clean", "--offset", "10", "--limit", "2"],
      {
        cwd: dir,
      },
    );
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain(
      `2 of ${FILES} records shown (from 10); next: --offset 12 --limit 2`,
    );
    expect(shown.stdout).toContain('"path": "dir00/f010.txt"');
    expect(shown.stdout).not.toContain('"path": "dir00/f009.txt"');
  }, 120_000);
});
