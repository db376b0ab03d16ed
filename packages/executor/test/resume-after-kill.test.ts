import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunMetadata, runPlan } from "../src/index.js";
import { createRunId } from "../src/run/index.js";
import { crashPlan, crashRegistry } from "./fixtures/run/crash-plan.js";
import { createFsStore } from "./fixtures/run/helpers.js";
import { runAndKill } from "./fixtures/run/kill-child.js";

let base: string;
let runId: string;
/** The pid of the process killed holding the run's lease. */
let killedPid: number;
let store: ReturnType<typeof createFsStore>;
// Both tests look at one run: killed after its 4th event, then resumed to completion.
beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), "wct-resume-after-kill-"));
  runId = createRunId();
  killedPid = await runAndKill(base, runId, 4);
  store = createFsStore({ baseDir: base });
  const summary = await runPlan(crashPlan(), { store, registry: crashRegistry, resume: runId });
  expect(summary.status).toBe("completed");
}, 30_000);
afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

describe("resume after the owner was killed", () => {
  it("takes over the lease of a killed process and records the takeover in the new attempt", async () => {
    const run = await store.getJson<RunMetadata>(runId, "_system/run");
    expect(run.attempts).toHaveLength(2);
    expect(run.attempts[1]).toMatchObject({ status: "completed", took_over: { pid: killedPid } });
    expect(await store.exists(runId, "_system/lock")).toBe(false);
  });

  // BUG (run.ts, execute): on resume the earlier attempts are copied into run.json as
  // they were, so the attempt of a process that was killed stays `status: "running"`,
  // `ended_at: null` forever, although the run is completed and that process is gone.
  // Fix: when building `meta` on resume, close every earlier attempt whose `ended_at`
  // is null: `status: "interrupted"`, `ended_at: lease.tookOver?.heartbeat` (the last
  // sign of life of the process whose lease was taken over; `attemptStart` when there
  // was no lock to take over).
  it("closes the attempt of a killed process in the history when the run is resumed", async () => {
    const run = await store.getJson<RunMetadata>(runId, "_system/run");
    expect(run.attempts[0]!.status).not.toBe("running");
    expect(run.attempts[0]!.ended_at).not.toBeNull();
  });
});
