import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { listedRuns, pruneJson, storedRunIds, storeFolder } from "./fixtures/folders.js";
import { removeDir } from "./helpers.js";
import { wctInProcess } from "./in-process.js";
import { daysAgo, writeRuns } from "./stored-runs.js";

let dir: string;
let store: string;
beforeEach(() => ({ dir, store } = storeFolder()));
afterEach(() => removeDir(dir));

const prune = (args: string[]) => pruneJson(dir, args);
const listed = () => listedRuns(dir);

const storedRuns = () => storedRunIds(store);

describe("wct runs prune", () => {
  it("without --yes it lists what it would delete with sizes and deletes nothing", async () => {
    const ids = writeRuns(
      store,
      [1, 2, 3, 4].map((d) => ({ startedAt: daysAgo(d) })),
    );
    const result = await prune(["--keep-last", "1"]);
    expect(result.dry_run).toBe(true);
    expect(result.runs.map((r) => r.run_id)).toEqual(ids.slice(1));
    expect(result.runs.every((r) => r.size_bytes > 300)).toBe(true);
    expect(result.total_bytes).toBe(result.runs.reduce((s, r) => s + r.size_bytes, 0));
    expect(storedRuns().sort()).toEqual([...ids].sort());
    const text = await wctInProcess(["runs", "prune", "--keep-last", "1"], { cwd: dir });
    expect(text.code).toBe(0);
    expect(storedRuns()).toHaveLength(4);
  });

  it("--keep-last n with --yes deletes all but the newest n runs", async () => {
    const ids = writeRuns(
      store,
      [1, 2, 3, 4].map((d) => ({ startedAt: daysAgo(d) })),
    );
    const result = await prune(["--keep-last", "2", "--yes"]);
    expect(result.dry_run).toBe(false);
    expect(result.runs.map((r) => r.run_id)).toEqual(ids.slice(2));
    expect(storedRuns().sort()).toEqual(ids.slice(0, 2).sort());
  });

  it("--older-than deletes only runs started longer ago", async () => {
    const ids = writeRuns(
      store,
      [1, 10, 40, 50].map((d) => ({ startedAt: daysAgo(d) })),
    );
    await prune(["--older-than", "30d", "--yes"]);
    expect(storedRuns().sort()).toEqual(ids.slice(0, 2).sort());
    await prune(["--older-than", "36h", "--yes"]);
    expect(storedRuns()).toEqual([ids[0]]);
  });

  it("--status is repeatable and deletes only runs with those statuses", async () => {
    const [completed, failed, interrupted] = writeRuns(store, [
      { startedAt: daysAgo(1), status: "completed" },
      { startedAt: daysAgo(2), status: "failed" },
      { startedAt: daysAgo(3), status: "interrupted" },
    ]);
    const result = await prune(["--status", "failed", "--status", "interrupted", "--yes"]);
    expect(result.runs.map((r) => r.run_id).sort()).toEqual([failed, interrupted].sort());
    expect(storedRuns()).toEqual([completed]);
  });

  it("combined flags delete only runs matching all of them beyond the kept ones", async () => {
    const ids = writeRuns(store, [
      { startedAt: daysAgo(1), status: "failed" },
      { startedAt: daysAgo(5), status: "failed" },
      { startedAt: daysAgo(6), status: "completed" },
      { startedAt: daysAgo(7), status: "failed" },
      { startedAt: daysAgo(40), status: "failed" },
    ]);
    const result = await prune([
      "--status",
      "failed",
      "--keep-last",
      "1",
      "--older-than",
      "6d",
      "--yes",
    ]);
    expect(result.runs.map((r) => r.run_id)).toEqual([ids[3], ids[4]]);
    expect(storedRuns().sort()).toEqual(ids.slice(0, 3).sort());
  });

  it("the retention section of wct.config.yaml is used when no flag is given", async () => {
    const ids = writeRuns(
      store,
      [1, 2, 3].map((d) => ({ startedAt: daysAgo(d) })),
    );
    writeFileSync(join(dir, "wct.config.yaml"), "retention:\n  keep_last: 2\n");
    const dry = await prune([]);
    expect(dry.runs.map((r) => r.run_id)).toEqual([ids[2]]);
    const flagged = await prune(["--keep-last", "1"]);
    expect(flagged.runs.map((r) => r.run_id)).toEqual(ids.slice(1));
    await prune(["--yes"]);
    expect(storedRuns().sort()).toEqual(ids.slice(0, 2).sort());
  });

  it("a config with an unknown key or a bad value is refused with exit 2 and positions", async () => {
    writeRuns(store, [{ startedAt: daysAgo(1) }]);
    writeFileSync(
      join(dir, "wct.config.yaml"),
      "retention:\n  keep_lst: 2\n  older_than: soon\n  status: [faild]\n",
    );
    const result = await wctInProcess(["runs", "prune", "--yes"], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("[ERR_CONFIG_INVALID]");
    expect(result.stderr).toContain("wct.config.yaml:2:3");
    expect(result.stderr).toContain("wct.config.yaml:3:15");
    expect(result.stderr).toContain("wct.config.yaml:4:12");
    expect(result.stderr).toContain('"keep_last"');
    expect(storedRuns()).toHaveLength(1);
  });

  it("without any policy it exits 2 and deletes nothing", async () => {
    writeRuns(store, [{ startedAt: daysAgo(1) }]);
    const result = await wctInProcess(["runs", "prune", "--yes"], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("[ERR_PRUNE_POLICY_MISSING]");
    expect(storedRuns()).toHaveLength(1);
  });

  it("a run held by a live process is never deleted; one whose owner died is", async () => {
    const [held, stale, done] = writeRuns(store, [
      { startedAt: daysAgo(3), status: "running", heldBy: process.pid },
      { startedAt: daysAgo(4), status: "running" },
      { startedAt: daysAgo(5) },
    ]);
    const result = await prune(["--older-than", "1d", "--yes"]);
    expect(result.held.map((h) => h.run_id)).toEqual([held]);
    expect(result.runs.map((r) => r.run_id)).toEqual([stale, done]);
    expect(storedRuns()).toEqual([held]);
  });

  it("a half-deleted run is listed as deleting and the next prune finishes it", async () => {
    const [kept, half] = writeRuns(store, [{ startedAt: daysAgo(1) }, { startedAt: daysAgo(2) }]);
    // What a prune killed after its tombstone leaves behind.
    writeFileSync(join(store, "runs", half!, "_deleting.json"), '{"deleting_since":"x"}');
    const runs = await listed();
    expect(runs.find((r) => r.run_id === half)?.status).toBe("deleting");
    const text = await wctInProcess(["runs"], { cwd: dir });
    expect(text.stdout).toContain("half-deleted");
    const result = await prune(["--keep-last", "5", "--yes"]);
    expect(result.runs.map((r) => r.run_id)).toEqual([half]);
    expect(storedRuns()).toEqual([kept]);
  });
});
