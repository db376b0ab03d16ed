import { once } from "node:events";
import { hostname } from "node:os";
import { describe, expect, it } from "vitest";
import { deadPid } from "../../../test-utils/dead-pid.js";
import { ExecutorErrorCode, runPlan } from "../src/index.js";
import { acquireRunLease, type LeaseRecord } from "../src/run/index.js";
import { createHarness, createMemoryStore, eventLog, makePlan } from "./fixtures/run/helpers.js";

function lock(overrides: Partial<LeaseRecord>): LeaseRecord {
  const now = Date.now();
  return {
    pid: process.pid,
    hostname: hostname(),
    started: new Date(now).toISOString(),
    heartbeat: new Date(now).toISOString(),
    expires: new Date(now + 60_000).toISOString(),
    run_id: "r1",
    owner: "someone-else",
    ...overrides,
  };
}

/** A completed run "r1" whose artifact "b" failed, so a resume has work to do. */
async function failedRun() {
  const store = createMemoryStore();
  const plan = makePlan([{ id: "a", component: "emit", properties: { fail: "once" } }]);
  await runPlan(plan, { store, registry: createHarness().registry, runId: "r1" });
  return { store, plan: makePlan([{ id: "a", component: "emit" }]) };
}

describe("leases", () => {
  it("refuses a second runner of a live run with ERR_RUN_LOCKED and the holder", async () => {
    const { store, plan } = await failedRun();
    await store.createJson("r1", "_system/lock", lock({ pid: process.pid }));
    const error = await runPlan(plan, {
      store,
      registry: createHarness().registry,
      resume: "r1",
    }).catch((e) => e);
    expect(error.code).toBe(ExecutorErrorCode.RunLocked);
    expect(error.details.holder).toMatchObject({ pid: process.pid, hostname: hostname() });
    expect(error.details.holder.started).toEqual(expect.any(String));
    expect(error.details.holder.heartbeat).toEqual(expect.any(String));
  });

  it("lets exactly one of two concurrent resumes of a run proceed", async () => {
    const { store, plan } = await failedRun();
    const h = createHarness();
    const results = await Promise.allSettled([
      runPlan(plan, { store, registry: h.registry, resume: "r1" }),
      runPlan(plan, { store, registry: h.registry, resume: "r1" }),
    ]);
    const fulfilled = results.filter((r) => r.status === "fulfilled");
    const rejected = results.filter((r) => r.status === "rejected");
    expect(fulfilled).toHaveLength(1);
    expect(rejected).toHaveLength(1);
    expect((rejected[0] as PromiseRejectedResult).reason.code).toBe(ExecutorErrorCode.RunLocked);
    expect(h.calls.get("a")).toBe(1);
  });

  it("takes over a stale lease of a dead process on this host and reports it", async () => {
    const { store, plan } = await failedRun();
    const pid = await deadPid();
    await store.createJson("r1", "_system/lock", lock({ pid }));
    const log = eventLog();
    const summary = await runPlan(plan, {
      store,
      registry: createHarness().registry,
      resume: "r1",
      onEvent: log.onEvent,
    });
    expect(summary.status).toBe("completed");
    expect(log.events[0]).toMatchObject({ type: "run_started", took_over: { pid } });
    const run = await store.getJson<{ attempts: { took_over?: { pid: number } }[] }>(
      "r1",
      "_system/run",
    );
    expect(run.attempts.at(-1)?.took_over?.pid).toBe(pid);
  });

  it("takes over an expired lease held on another host", async () => {
    const { store, plan } = await failedRun();
    await store.createJson(
      "r1",
      "_system/lock",
      lock({ hostname: "elsewhere", pid: 1, expires: new Date(Date.now() - 1000).toISOString() }),
    );
    const log = eventLog();
    const summary = await runPlan(plan, {
      store,
      registry: createHarness().registry,
      resume: "r1",
      onEvent: log.onEvent,
    });
    expect(summary.status).toBe("completed");
    expect(log.events[0]).toMatchObject({ took_over: { hostname: "elsewhere" } });
  });

  it("refuses a live lease held on another host even if its pid means nothing here", async () => {
    const { store, plan } = await failedRun();
    const pid = await deadPid();
    await store.createJson("r1", "_system/lock", lock({ hostname: "elsewhere", pid }));
    await expect(
      runPlan(plan, { store, registry: createHarness().registry, resume: "r1" }),
    ).rejects.toMatchObject({ code: ExecutorErrorCode.RunLocked });
  });

  it("lets exactly one of several racers take over a stale lease", async () => {
    const store = createMemoryStore();
    const pid = await deadPid();
    await store.createJson("r1", "_system/lock", lock({ pid }));
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, () => acquireRunLease(store, "r1")),
    );
    const won = results.filter((r) => r.status === "fulfilled");
    expect(won).toHaveLength(1);
    for (const r of results) {
      if (r.status === "rejected") expect(r.reason.code).toBe(ExecutorErrorCode.RunLocked);
    }
    await (
      won[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof acquireRunLease>>>
    ).value.release();
  });

  it("renews the lease's expiry on each heartbeat", async () => {
    const store = createMemoryStore();
    const lease = await acquireRunLease(store, "r1", { ttlMs: 60_000, heartbeatMs: 10 });
    const first = await store.getJson<LeaseRecord>("r1", "_system/lock");
    // Wait on the stored lock itself, not on time.
    let current = first;
    while (current.expires === first.expires) {
      await new Promise((resolve) => setImmediate(resolve));
      current = await store.getJson<LeaseRecord>("r1", "_system/lock");
    }
    expect(Date.parse(current.expires)).toBeGreaterThan(Date.parse(first.expires));
    expect(current.owner).toBe(first.owner);
    await lease.release();
  });

  it("signals a lost lease when another process replaced the lock", async () => {
    const store = createMemoryStore();
    const lease = await acquireRunLease(store, "r1", { heartbeatMs: 10 });
    const current = await store.readJsonVersioned<LeaseRecord>("r1", "_system/lock");
    await store.replaceJson("r1", "_system/lock", current!.version, lock({ owner: "thief" }));
    await once(lease.lost, "abort");
    expect(lease.lost.reason.code).toBe(ExecutorErrorCode.LeaseLost);
    await lease.release();
    // Not ours any more: release leaves the thief's lock alone.
    expect((await store.getJson<LeaseRecord>("r1", "_system/lock")).owner).toBe("thief");
  });

  it("aborts a run whose lease is lost with ERR_LEASE_LOST", async () => {
    const store = createMemoryStore();
    const h = createHarness();
    const plan = makePlan([{ id: "a", component: "emit", properties: { hang: true } }]);
    const done = runPlan(plan, {
      store,
      registry: h.registry,
      runId: "r1",
      lease: { heartbeatMs: 10 },
    });
    await h.started("a");
    const current = await store.readJsonVersioned<LeaseRecord>("r1", "_system/lock");
    await store.replaceJson("r1", "_system/lock", current!.version, lock({ owner: "thief" }));
    await expect(done).rejects.toMatchObject({ code: ExecutorErrorCode.LeaseLost });
    expect(h.aborted.has("a")).toBe(true);
  });

  it("releases the lock when the run ends", async () => {
    const store = createMemoryStore();
    const plan = makePlan([{ id: "a", component: "emit" }]);
    await runPlan(plan, { store, registry: createHarness().registry, runId: "r1" });
    expect(await store.exists("r1", "_system/lock")).toBe(false);
  });

  it("releases the lock when the run fails", async () => {
    const store = createMemoryStore();
    const plan = makePlan([{ id: "a", component: "emit", properties: { fail: "x" } }]);
    await runPlan(plan, { store, registry: createHarness().registry, runId: "r1" });
    expect(await store.exists("r1", "_system/lock")).toBe(false);
  });

  it("holds the lock while the run runs", async () => {
    const store = createMemoryStore();
    const h = createHarness();
    const plan = makePlan([{ id: "a", component: "emit", properties: { gate: "g" } }]);
    const done = runPlan(plan, { store, registry: h.registry, runId: "r1" });
    await h.started("a");
    const held = await store.getJson<LeaseRecord>("r1", "_system/lock");
    expect(held).toMatchObject({ pid: process.pid, hostname: hostname(), run_id: "r1" });
    h.open("g");
    await done;
  });
});
