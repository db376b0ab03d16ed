import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runPlan } from "../src/index.js";
import { crashPlan, crashRegistry } from "./fixtures/run/crash-plan.js";
import { createFsStore } from "./fixtures/run/helpers.js";

const CHILD = fileURLToPath(new URL("./fixtures/run/crash-child.ts", import.meta.url));
const KILLS = 20;

let base: string;
beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), "wct-crash-"));
});
afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

/**
 * Starts the child and SIGKILLs it once it has printed `killAfter` events, or after a
 * random delay once it printed its first event. Resolves when it has exited.
 */
async function runAndKill(
  baseDir: string,
  runId: string,
  mode: "run" | "resume",
  killAfter: number | { delayMs: number },
): Promise<void> {
  const child: ChildProcess = spawn(
    process.execPath,
    ["--conditions=@wct/source", "--import", "tsx", CHILD, baseDir, runId, mode],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const exited = once(child, "exit");
  let events = 0;
  for await (const line of createInterface({ input: child.stdout! })) {
    if (!line.startsWith("event ")) continue;
    events++;
    if (typeof killAfter === "number" ? events >= killAfter : events === 1) {
      if (typeof killAfter === "number") child.kill("SIGKILL");
      else setTimeout(() => child.kill("SIGKILL"), killAfter.delayMs);
      if (typeof killAfter === "number") break;
    }
  }
  await exited;
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

async function contents(baseDir: string, runId: string): Promise<Record<string, unknown>> {
  const store = createFsStore({ baseDir });
  const out: Record<string, unknown> = {};
  for (const artifact of crashPlan().artifacts) {
    out[artifact.id] = (await store.get(runId, artifact.id)).content;
  }
  return out;
}

describe("crash safety", () => {
  it("runs killed with SIGKILL at random moments resume to the same artifacts as an uninterrupted run", async () => {
    const referenceDir = join(base, "reference");
    const reference = await runPlan(crashPlan(), {
      store: createFsStore({ baseDir: referenceDir }),
      registry: crashRegistry,
      runId: "reference",
    });
    expect(reference.status).toBe("completed");
    const expected = await contents(referenceDir, "reference");

    const baseDir = join(base, "killed");
    let cutShort = 0;
    for (let k = 0; k < KILLS; k++) {
      const runId = `run-${k}`;
      // Alternate: kill after a random number of events, or a random delay after the first.
      const killAfter =
        k % 2 === 0 ? 1 + Math.floor(Math.random() * 60) : { delayMs: Math.random() * 150 };
      await runAndKill(baseDir, runId, "run", killAfter);
      if (k % 3 === 0) {
        // Kill a resume too: the stale lease of the first child is taken over, then left again.
        await runAndKill(baseDir, runId, "resume", 1 + Math.floor(Math.random() * 40));
      }
      const summary = await runPlan(crashPlan(), {
        store: createFsStore({ baseDir }),
        registry: crashRegistry,
        resume: runId,
      });
      expect(summary.status, runId).toBe("completed");
      if (summary.artifacts.some((a) => !a.kept)) cutShort++;
      expect(await contents(baseDir, runId), runId).toEqual(expected);
    }

    // Most kills must land mid-run, or this proves nothing.
    expect(cutShort).toBeGreaterThanOrEqual(KILLS / 2);

    // Every store entry parses; temporary files (dot-names) are the store's own business.
    for (const file of await filesUnder(baseDir)) {
      const name = file.split("/").at(-1)!;
      if (name.startsWith(".")) continue;
      await expect(readFile(file, "utf8").then(JSON.parse), file).resolves.toBeDefined();
    }
    const store = createFsStore({ baseDir });
    for (const runId of await store.listRuns()) {
      expect(await store.exists(runId, "_system/lock"), runId).toBe(false);
    }
  }, 90_000);
});
