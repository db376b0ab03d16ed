// A prune killed with SIGKILL needs a process of its own; the rest of `wct runs prune`
// is tested in-process (runs-prune.test.ts).
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { listedRuns, pruneJson, storedRunIds, storeFolder } from "./fixtures/folders.js";
import { removeDir, startWct } from "./helpers.js";
import { daysAgo, writeRuns } from "./stored-runs.js";

let dir: string;
let store: string;
beforeEach(() => ({ dir, store } = storeFolder()));
afterEach(() => removeDir(dir));

const prune = (args: string[]) => pruneJson(dir, args);
const listed = () => listedRuns(dir);

const storedRuns = () => storedRunIds(store);

describe("wct runs prune", () => {
  it("kill -9 during a prune leaves runs whole or marked deleting, and a second prune finishes", async () => {
    const keep = writeRuns(
      store,
      [1, 2].map((d) => ({ startedAt: daysAgo(d) })),
    );
    // Enough runs that the prune is still deleting when it is killed (a few runs go in
    // the time the kill takes to land), few enough to write and list cheaply.
    const doomed = writeRuns(
      store,
      Array.from({ length: 150 }, (_, i) => ({
        startedAt: daysAgo(10 + i / 100),
        artifacts: 8,
        payloadBytes: 2000,
      })),
    );
    const child = startWct(["runs", "prune", "--older-than", "5d", "--yes"], { cwd: dir });
    // Wait (on the store folder) until the prune has deleted a first run, then kill it.
    const total = keep.length + doomed.length;
    while (storedRuns().length === total) {
      await Promise.race([child.done, new Promise((r) => setTimeout(r, 5))]);
    }
    child.child.kill("SIGKILL");
    const killed = await child.done;
    expect(killed.signal).toBe("SIGKILL");
    const left = new Set(storedRuns());
    // The crash hit mid-prune: some doomed runs are still there.
    expect(doomed.some((id) => left.has(id))).toBe(true);
    for (const run of await listed()) {
      if (run.status === "deleting") continue;
      // Not marked: it must be whole (all its artifacts and its system files).
      expect(run.status).toBe("completed");
      const files = readdirSync(join(store, "runs", run.run_id));
      expect(files).toHaveLength(keep.includes(run.run_id) ? 4 : 9);
    }
    await prune(["--older-than", "5d", "--yes"]);
    expect((await listed()).map((r) => r.run_id).sort()).toEqual([...keep].sort());
  });
});
