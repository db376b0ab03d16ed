import type { ArtifactStore } from "@wct/store-core";
import { describe, expect, it } from "vitest";
import { ExecutorError, ExecutorErrorCode } from "../src/errors.js";
import type { Plan } from "../src/index.js";
import { type RunContext, runArtifact } from "../src/run/artifact.js";
import { COMPLETED, FAILED, PENDING, RunBook, SKIPPED } from "../src/run/book.js";
import type { Containment } from "../src/run/containment.js";
import { OutputCache } from "../src/run/outputs.js";
import { Pipelines } from "../src/run/pipeline.js";
import { artifactController } from "../src/run/stop.js";
import type { RunEvent } from "../src/run/types.js";
import {
  createHarness,
  createMemoryStore,
  type Harness,
  makePlan,
} from "./fixtures/run/helpers.js";

const RUN_ID = "0190c2a4-7a1b-7c3d-8e4f-00000000a771";

// Components run as they are: escaped failures are containment.ts's own tests.
const inPlace: Containment = { run: (_owner, work) => work(), dispose() {} };

/** One artifact's run context over a memory store, with what it asked for recorded. */
function turnOf(plan: Plan, harness: Harness, store: ArtifactStore = createMemoryStore()) {
  const book = new RunBook(plan.artifacts);
  const stop = new AbortController();
  const events: RunEvent[] = [];
  const seen = { checkpoints: 0, failures: [] as unknown[], writable: true };
  const run: RunContext = {
    plan,
    store,
    registry: harness.registry,
    runId: RUN_ID,
    now: () => new Date("2026-11-29T00:00:00.000Z"),
    emit: (event) => events.push(event),
    book,
    outputs: new OutputCache(plan.artifacts, book.index, book.dependents),
    pipelines: new Pipelines({ candidates: () => [], start: () => false }),
    containment: inPlace,
    stop: stop.signal,
    reuseStates: new Map(),
    checkpoint: () => {
      seen.checkpoints++;
    },
    recordSize: async (key) => {
      const size = await store.size(RUN_ID, key);
      if (size !== undefined) book.storedBytes[key] = size;
    },
    writable: () => seen.writable,
    failRun: (error) => {
      seen.failures.push(error);
      stop.abort(error);
    },
  };
  const finished = () =>
    events.flatMap((e) => (e.type === "artifact_finished" ? [`${e.id}:${e.status}`] : []));
  return { run, book, store, stop, events, seen, finished };
}

// a → b → c
const chain = (a: Record<string, unknown> = {}) =>
  makePlan([
    { id: "a", component: "emit", properties: a },
    { id: "b", component: "combine", inputs: ["a"] },
    { id: "c", component: "combine", inputs: ["b"] },
  ]);

describe("an artifact's turn", () => {
  it("saves a completed output, records its digest and size, and readies its dependents", async () => {
    const turn = turnOf(chain({ value: { n: 1 } }), createHarness());
    expect(await runArtifact(turn.run, 0)).toEqual([1]);
    expect(turn.book.status[0]).toBe(COMPLETED);
    expect(turn.book.digests["a"]).toBe(await turn.store.digest(RUN_ID, "a"));
    expect(turn.book.storedBytes["a"]).toBeGreaterThan(0);
    expect((await turn.store.get(RUN_ID, "a")).content).toEqual({ n: 1 });
    expect(turn.finished()).toEqual(["a:completed"]);
    expect(turn.seen.checkpoints).toBe(1);
  });

  it("fails only its artifact when the component throws, saving the failure and skipping what depends on it", async () => {
    const turn = turnOf(chain({ fail: "no such table" }), createHarness());
    expect(await runArtifact(turn.run, 0)).toEqual([]);
    expect([...turn.book.status]).toEqual([FAILED, SKIPPED, SKIPPED]);
    const saved = await turn.store.get(RUN_ID, "a");
    expect(saved.execution.status).toBe("failed");
    expect(saved.execution.error?.code).toBe(ExecutorErrorCode.ComponentFailed);
    expect(turn.finished()).toEqual(["a:failed", "b:skipped", "c:skipped"]);
    expect(turn.seen.failures).toEqual([]);
  });

  it("stops the run when the store fails to save its Message, and records no outcome", async () => {
    const store = createMemoryStore();
    const broken = new Error("disk full");
    const failing: ArtifactStore = {
      ...store,
      saveMessageText: () => Promise.reject(broken),
      save: () => Promise.reject(broken),
    };
    const turn = turnOf(chain(), createHarness(), failing);
    expect(await runArtifact(turn.run, 0)).toEqual([]);
    expect(turn.seen.failures).toEqual([broken]);
    expect(turn.stop.signal.aborted).toBe(true);
    expect(turn.finished()).toEqual([]);
    expect(turn.book.status[1]).toBe(PENDING);
  });

  it("records nothing once the run can no longer write", async () => {
    const turn = turnOf(chain(), createHarness());
    turn.seen.writable = false;
    expect(await runArtifact(turn.run, 0)).toEqual([]);
    expect(await turn.store.exists(RUN_ID, "a")).toBe(false);
    expect(turn.finished()).toEqual([]);
    expect(turn.seen.checkpoints).toBe(0);
  });

  it("leaves the dependents not started when the run is interrupted under it", async () => {
    const harness = createHarness();
    const turn = turnOf(chain({ hang: true }), harness);
    const running = runArtifact(turn.run, 0);
    await harness.started("a");
    turn.stop.abort(new ExecutorError(ExecutorErrorCode.Interrupted, "interrupted"));
    expect(await running).toEqual([]);
    expect([...turn.book.status]).toEqual([FAILED, PENDING, PENDING]);
    expect((await turn.store.get(RUN_ID, "a")).execution.error?.code).toBe(
      ExecutorErrorCode.Interrupted,
    );
    expect(turn.finished()).toEqual(["a:failed"]);
  });
});

describe("an artifact's stop signal", () => {
  const [artifact] = makePlan([{ id: "slow", component: "emit", timeout: 0.01 }]).artifacts;

  it("aborts with ERR_ARTIFACT_TIMEOUT once the artifact's timeout passed", async () => {
    const control = artifactController(artifact!, new AbortController().signal);
    try {
      await new Promise((resolve) => control.signal.addEventListener("abort", resolve));
      expect((control.signal.reason as ExecutorError).code).toBe(ExecutorErrorCode.ArtifactTimeout);
    } finally {
      control.dispose();
    }
  });

  it("carries the run's stop reason, and no longer listens to the run once disposed", () => {
    const [untimed] = makePlan([{ id: "a", component: "emit" }]).artifacts;
    const stop = new AbortController();
    const first = artifactController(untimed!, stop.signal);
    const second = artifactController(untimed!, stop.signal);
    second.dispose();
    const reason = new ExecutorError(ExecutorErrorCode.RunTimeout, "run timeout");
    stop.abort(reason);
    expect(first.signal.reason).toBe(reason);
    expect(second.signal.aborted).toBe(false);
    first.dispose();
  });
});
