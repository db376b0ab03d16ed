import { hostname as osHostname } from "node:os";
import { performance } from "node:perf_hooks";
import type { ArtifactStore } from "@wct/store-core";
import { ExecutorError, ExecutorErrorCode } from "../errors.js";
import type { ComponentRegistry } from "../plan/registry.js";
import type { Plan } from "../types.js";
import { type RunContext, runArtifact } from "./artifact.js";
import { closeAttempt, newRunMetadata, openAttempt } from "./attempt.js";
import { PENDING, RunBook } from "./book.js";
import { createCheckpointer } from "./checkpoint.js";
import { containComponents } from "./containment.js";
import { createRunId } from "./ids.js";
import { PLAN_KEY, RUN_KEY, STATE_KEY } from "./layout.js";
import { acquireRunLease, type RunLease } from "./lease.js";
import { OutputCache } from "./outputs.js";
import { Pipelines } from "./pipeline.js";
import { keySizes, runListing } from "./records.js";
import { readResumePoint } from "./resume.js";
import { schedule } from "./schedule.js";
import { maskEvent, maskText, maskThrown } from "./secrets.js";
import { stopSignal } from "./stop.js";
import type {
  RunAttempt,
  RunEvent,
  RunMetadata,
  RunOptions,
  RunState,
  RunSummary,
} from "./types.js";
import { readResumableMetadata } from "./unborn.js";

/** What `plan.json` keeps: the runbook texts as written and the graph, never property values. */
function planRecord(plan: Plan) {
  // No runbook name: it may hold a value substituted from the environment.
  return {
    runbook_path: plan.runbookPath,
    runbook_hash: plan.runbookHash,
    files: plan.files.map((f) => ({ path: f.path, sha256: f.sha256, text: f.text })),
    config: {
      timeout: plan.config.timeout ?? null,
      max_concurrency: plan.config.maxConcurrency,
      max_child_depth: plan.config.maxChildDepth,
    },
    depth: plan.depth,
    artifacts: plan.artifacts.map((a) => ({
      id: a.id,
      kind: a.kind,
      component: a.component ?? null,
      inputs: a.inputs,
      schema: a.schema,
      output: a.output,
      optional: a.optional,
      timeout: a.timeout ?? null,
      reuse: a.reuse
        ? {
            from_run: maskText(a.reuse.from_run, plan.secrets),
            artifact: maskText(a.reuse.artifact, plan.secrets),
          }
        : null,
      origin: a.origin,
    })),
  };
}

/**
 * Runs a plan durably: a new run, or `options.resume` of an existing one. Takes the
 * run's lease first, persists the plan, state (checkpointed after each artifact) and
 * every artifact's Message, and resolves with the summary when the run completed,
 * failed or was interrupted (`options.signal`). Rejects with `ERR_RUN_NOT_FOUND`,
 * `ERR_RUNBOOK_CHANGED`, `ERR_RUN_LOCKED`, `ERR_RUN_EXISTS`, `ERR_LEASE_LOST` or a
 * store error when it cannot run or persist.
 */
export async function runPlan(plan: Plan, options: RunOptions): Promise<RunSummary> {
  const { onEvent } = options;
  const masked: RunOptions = {
    ...options,
    ...(onEvent ? { onEvent: (event: RunEvent) => onEvent(maskEvent(event, plan.secrets)) } : {}),
  };
  try {
    return await runPlanUnmasked(plan, masked);
  } catch (error) {
    throw maskThrown(error, plan.secrets);
  }
}

async function runPlanUnmasked(plan: Plan, options: RunOptions): Promise<RunSummary> {
  const { store } = options;
  const now = options.now ?? (() => new Date());
  const resumed = options.resume !== undefined;
  const runId = options.resume ?? options.runId ?? createRunId(now());
  // Refuse an unknown run before creating anything under its id.
  if (resumed) await readResumableMetadata(store, runId);

  // The lease keeps real time even when the run is given its own clock: other
  // processes judge its expiry by theirs.
  const lease = await acquireRunLease(store, runId, options.lease ?? {});
  try {
    // Temporary files of writers killed in an earlier attempt: with the lease ours, no
    // live writer of this run is left to own them.
    if (resumed) await store.sweep(runId).catch(() => 0);
    return await execute(plan, options, { runId, lease, now });
  } finally {
    await lease.release();
  }
}

function emitterOf(options: RunOptions): (event: RunEvent) => void {
  return (event) => {
    try {
      options.onEvent?.(event);
    } catch {
      // A failing progress listener must not break the run.
    }
  };
}

/**
 * One attempt of the run, under its lease: {@link beginAttempt}, then the scheduler
 * running each artifact's turn ({@link runArtifact}, artifact.ts), then
 * {@link finishAttempt}.
 */
async function execute(
  plan: Plan,
  options: RunOptions,
  under: { runId: string; lease: RunLease; now: () => Date },
): Promise<RunSummary> {
  const { store, registry } = options;
  const { runId, lease, now } = under;
  const emit = emitterOf(options);
  const book = new RunBook(plan.artifacts);
  // Sizes are taken as each key is written (a stat on the fs store), so `wct runs` sums
  // recorded figures instead of listing and sizing every key of every run.
  const recordSize = async (key: string) => {
    const size = await store.size(runId, key).catch(() => undefined);
    if (size === undefined) delete book.storedBytes[key];
    else book.storedBytes[key] = size;
  };
  const begun = await beginAttempt(plan, options, { runId, lease, now, book, recordSize });
  emit({
    type: "run_started",
    run_id: runId,
    resumed: begun.resumed,
    attempt: begun.attempt.attempt,
    total: book.n,
    kept: begun.kept,
    ...(lease.tookOver ? { took_over: lease.tookOver } : {}),
  });

  const { stop, dispose } = stopSignal(plan, options, runId, lease);
  let fatal: unknown;
  const writable = () => fatal === undefined && !lease.lost.aborted;
  const failRun = (error: unknown) => {
    fatal ??= error;
    stop.abort(error);
  };
  const buildState = () => book.state(begun.attempt.attempt, now());
  const checkpoints = createCheckpointer(async () => {
    if (writable()) await store.saveJson(runId, STATE_KEY, buildState());
  });
  // A component's escaped exception or process.exit() fails its artifact, not wct.
  const containment = containComponents(failRun);
  // Record-reading dependents of a stream start while it is written (pipeline.ts).
  let startNow: (i: number) => boolean = () => false;
  const run: RunContext = {
    plan,
    store,
    registry,
    runId,
    now,
    emit,
    book,
    outputs: new OutputCache(plan.artifacts, book.index, book.dependents),
    pipelines: new Pipelines({
      candidates: (p) => liveCandidates(plan, registry, book, p),
      start: (d) => startNow(d),
    }),
    containment,
    stop: stop.signal,
    reuseStates: new Map(),
    checkpoint: () => checkpoints.request(),
    recordSize,
    writable,
    failRun,
  };
  try {
    await schedule({
      ready: book.ready(),
      maxConcurrency: plan.config.maxConcurrency,
      stop: stop.signal,
      run: (i) => runArtifact(run, i),
      bind: (start) => {
        startNow = start;
      },
      onUnexpected: failRun,
    });
  } finally {
    containment.dispose();
  }
  dispose();
  book.unstartRunning();

  await checkpoints.settle().catch((error) => {
    fatal ??= error;
  });
  if (lease.lost.aborted) throw lease.lost.reason;
  if (fatal !== undefined) {
    // The store failed under us: record, if it still can, that this attempt failed
    // (rather than leave the run "running"), then report the store's own error.
    await store
      .saveJson(runId, STATE_KEY, buildState())
      .then(() =>
        store.saveJson(runId, RUN_KEY, closeAttempt(begun.meta, begun.attempt, "failed", now())),
      )
      .catch(() => {});
    throw fatal;
  }
  const summary = await finishAttempt(
    store,
    runId,
    book,
    begun,
    (stop.signal.reason as ExecutorError | undefined)?.code,
    now,
  );
  emit({ type: "run_finished", summary });
  return summary;
}

/**
 * Dependents of `producer` that may read its records while it is written: not started,
 * its only input not yet completed, naming it once, and processed by a component that
 * reads its inputs as records.
 */
function liveCandidates(
  plan: Plan,
  registry: ComponentRegistry,
  book: RunBook,
  producer: number,
): number[] {
  const artifacts = plan.artifacts;
  return book.dependents[producer]!.filter((d) => {
    const consumer = artifacts[d]!;
    return (
      book.status[d] === PENDING &&
      book.remaining[d] === 1 &&
      consumer.kind === "process" &&
      consumer.inputs.filter((id) => id === artifacts[producer]!.id).length === 1 &&
      registry.processors.get(consumer.component ?? "")?.component.readsInputsAsRecords === true
    );
  });
}

/** The attempt under way: its run record, and whether it resumed an earlier one. */
interface Begun {
  meta: RunMetadata;
  attempt: RunAttempt;
  resumed: boolean;
  /** Artifacts a resume kept from earlier attempts. */
  kept: string[];
  /** `performance.now()` when it began. */
  clock: number;
}

/**
 * Opens the attempt: a resume keeps what it verified (resume.ts) and carries its sizes;
 * a new run refuses an id already taken and saves its plan and first state. `run.json`
 * is saved last, so a run is listed and resumable only once its plan and state exist.
 */
async function beginAttempt(
  plan: Plan,
  options: RunOptions,
  under: {
    runId: string;
    lease: RunLease;
    now: () => Date;
    book: RunBook;
    recordSize: (key: string) => Promise<void>;
  },
): Promise<Begun> {
  const { store } = options;
  const { runId, lease, now, book, recordSize } = under;
  const started = now();
  const clock = performance.now();
  // Read under the lease: a run that never started (no run.json) starts afresh.
  const point =
    options.resume !== undefined
      ? await readResumePoint(store, runId, plan, book.index)
      : undefined;
  let recorded: RunMetadata;
  if (point !== undefined) {
    recorded = point.meta;
  } else {
    if (await store.exists(runId, RUN_KEY)) {
      throw new ExecutorError(
        ExecutorErrorCode.RunExists,
        `run ${runId} already exists; resume it with --resume ${runId} or start a new run without giving its id.`,
        { details: { run_id: runId } },
      );
    }
    recorded = newRunMetadata(runId, options.runbookPath ?? plan.runbookPath, plan, started);
  }
  const { meta, attempt } = openAttempt(
    recorded,
    started,
    { pid: process.pid, hostname: osHostname() },
    lease.tookOver,
  );
  if (point?.previous !== undefined) {
    book.keep(point.kept, point.previous);
    await carrySizes(store, runId, point.previous, book.storedBytes);
  }
  if (point === undefined) {
    await Promise.all([
      store.saveJson(runId, PLAN_KEY, planRecord(plan)).then(() => recordSize(PLAN_KEY)),
      store.saveJson(runId, STATE_KEY, book.state(attempt.attempt, now())),
    ]);
  }
  await store.saveJson(runId, RUN_KEY, meta);
  return { meta, attempt, resumed: point !== undefined, kept: point?.kept ?? [], clock };
}

/**
 * Closes the attempt that ran to its end (completed, failed or stopped early): the final
 * state first, so that a closed `run.json` always has its state, then the run record
 * with its status and listing. Resolves with the run's summary.
 */
async function finishAttempt(
  store: ArtifactStore,
  runId: string,
  book: RunBook,
  begun: Begun,
  stopCode: string | undefined,
  now: () => Date,
): Promise<RunSummary> {
  const finalState = book.state(begun.attempt.attempt, now());
  await store.saveJson(runId, STATE_KEY, finalState);
  const status = book.finalStatus(stopCode);
  const ended = now();
  const meta = closeAttempt(
    begun.meta,
    begun.attempt,
    status,
    ended,
    runListing(begun.attempt.attempt, finalState),
  );
  await store.saveJson(runId, RUN_KEY, meta);
  return {
    run_id: runId,
    runbook_path: meta.runbook_path,
    runbook_hash: meta.runbook_hash,
    status,
    started_at: meta.started_at,
    completed_at: ended.toISOString(),
    duration_ms: Math.round(performance.now() - begun.clock),
    attempt: begun.attempt.attempt,
    artifacts: book.summaries(),
  };
}

/**
 * What a resumed run already stores stays stored until overwritten: its recorded sizes
 * carry over. A run written before sizes were recorded has its keys sized once here.
 */
async function carrySizes(
  store: ArtifactStore,
  runId: string,
  previous: RunState,
  into: Record<string, number>,
): Promise<void> {
  if (previous.stored_bytes !== undefined) {
    Object.assign(into, previous.stored_bytes);
    return;
  }
  const keys = (await store.listKeys(runId)).filter(
    (key) => key === PLAN_KEY || !key.startsWith("_"),
  );
  Object.assign(into, await keySizes(store, runId, keys));
}
