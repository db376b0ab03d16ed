import { setMaxListeners } from "node:events";
import { hostname as osHostname } from "node:os";
import { performance } from "node:perf_hooks";
import type { ComponentLog } from "@wct/plugin-api";
import type { ArtifactReader, ArtifactStore, Message } from "@wct/store-core";
import { ExecutorError, ExecutorErrorCode } from "../errors.js";
import type { Plan, PlannedArtifact } from "../types.js";
import { closeAttempt, newRunMetadata, openAttempt } from "./attempt.js";
import { COMPLETED, PENDING, RUNNING, RunBook } from "./book.js";
import { createCheckpointer } from "./checkpoint.js";
import { classifySafely, containComponents } from "./containment.js";
import { createRunId } from "./ids.js";
import { PLAN_KEY, RUN_KEY, STATE_KEY } from "./layout.js";
import { acquireRunLease } from "./lease.js";
import { OutputCache } from "./outputs.js";
import { Pipelines } from "./pipeline.js";
import { type Produced, produce } from "./produce.js";
import { createProgressTracker } from "./progress.js";
import { keySizes, type ReuseLookups, runListing } from "./records.js";
import { readResumePoint } from "./resume.js";
import { schedule } from "./schedule.js";
import { maskArtifactError, maskEvent, maskText, maskThrown } from "./secrets.js";
import { sourceOf, UNKNOWN_SCHEMA } from "./source.js";
import { abortable, StoreWriteFailure, writeStreamedOutput } from "./stream-output.js";
import type {
  ArtifactError,
  LogLevel,
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

// Node fires a timer longer than 2^31-1 ms at once; a longer timeout (the runbook schema
// refuses them, a hand-built plan might not) waits the longest a timer can.
const MAX_TIMER_MS = 2 ** 31 - 1;
function timerDelay(seconds: number): number {
  return Math.min(seconds * 1000, MAX_TIMER_MS);
}

function errorOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return typeof error === "string" ? error : (JSON.stringify(error) ?? String(error));
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
    return await execute(plan, options, runId, lease);
  } finally {
    await lease.release();
  }
}

function classify(artifact: PlannedArtifact, error: unknown, signal: AbortSignal): ArtifactError {
  const cause = signal.aborted ? signal.reason : error;
  if (cause instanceof ExecutorError) {
    return { code: cause.code, message: cause.message };
  }
  const what = artifact.component ? `${artifact.kind} "${artifact.component}"` : artifact.kind;
  let detail: string;
  try {
    const own = (error as { code?: unknown } | null)?.code;
    detail = `${typeof own === "string" || typeof own === "number" ? `[${own}] ` : ""}${errorOf(error)}`;
  } catch {
    // A thrown value whose properties throw (a Proxy, a getter): still only this artifact fails.
    detail = "it threw a value that cannot be read";
  }
  return {
    code: ExecutorErrorCode.ComponentFailed,
    message: `artifact "${artifact.id}": ${what} failed: ${detail}`,
  };
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

function logFor(id: string, emit: (event: RunEvent) => void): ComponentLog {
  const at = (level: LogLevel) => (message: string, fields?: Record<string, unknown>) =>
    emit({ type: "log", id, level, message, fields });
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

/** Why the run stops early: interrupt, run timeout or lost lease; `dispose` unhooks them. */
function stopSignal(
  plan: Plan,
  options: RunOptions,
  runId: string,
  lease: Awaited<ReturnType<typeof acquireRunLease>>,
): { stop: AbortController; dispose(): void } {
  const stop = new AbortController();
  // One listener per running artifact, plus the scheduler's.
  setMaxListeners(plan.config.maxConcurrency + 8, stop.signal);
  const interrupt = () =>
    stop.abort(
      new ExecutorError(
        ExecutorErrorCode.Interrupted,
        `interrupted${options.signal?.reason instanceof Error ? ` (${options.signal.reason.message})` : ""} before it finished; it runs again when run ${runId} is resumed`,
        { details: { run_id: runId } },
      ),
    );
  if (options.signal?.aborted) interrupt();
  options.signal?.addEventListener("abort", interrupt, { once: true });
  const onLeaseLost = () => stop.abort(lease.lost.reason);
  lease.lost.addEventListener("abort", onLeaseLost, { once: true });
  const runTimer =
    plan.config.timeout === undefined
      ? undefined
      : setTimeout(
          () =>
            stop.abort(
              new ExecutorError(
                ExecutorErrorCode.RunTimeout,
                `run ${runId} exceeded its timeout of ${plan.config.timeout} s (config.timeout); raise it or make the slow artifacts faster`,
                { details: { run_id: runId } },
              ),
            ),
          timerDelay(plan.config.timeout),
        );
  return {
    stop,
    dispose() {
      clearTimeout(runTimer);
      options.signal?.removeEventListener("abort", interrupt);
      lease.lost.removeEventListener("abort", onLeaseLost);
    },
  };
}

function artifactController(artifact: PlannedArtifact, stop: AbortSignal) {
  const controller = new AbortController();
  const onStop = () => controller.abort(stop.reason);
  stop.addEventListener("abort", onStop, { once: true });
  const timer =
    artifact.timeout === undefined
      ? undefined
      : setTimeout(
          () =>
            controller.abort(
              new ExecutorError(
                ExecutorErrorCode.ArtifactTimeout,
                `artifact "${artifact.id}" exceeded its timeout of ${artifact.timeout} s; raise its timeout or make it faster`,
                { details: { artifact: artifact.id } },
              ),
            ),
          timerDelay(artifact.timeout),
        );
  return {
    signal: controller.signal,
    /** Fails the artifact from outside its work (a crash traced to its component). */
    abort: (reason: unknown) => controller.abort(reason),
    dispose() {
      clearTimeout(timer);
      stop.removeEventListener("abort", onStop);
    },
  };
}

async function execute(
  plan: Plan,
  options: RunOptions,
  runId: string,
  lease: Awaited<ReturnType<typeof acquireRunLease>>,
): Promise<RunSummary> {
  const { store, registry } = options;
  const now = options.now ?? (() => new Date());
  const emit = emitterOf(options);
  const artifacts = plan.artifacts;
  const book = new RunBook(artifacts);

  const attemptStart = now();
  const attemptClock = performance.now();
  let previous: RunState | undefined;
  let keptIds: string[] = [];
  let recorded: RunMetadata;
  // Read under the lease: a run that never started (no run.json) starts afresh.
  const point =
    options.resume !== undefined
      ? await readResumePoint(store, runId, plan, book.index)
      : undefined;
  const resumed = point !== undefined;
  if (point !== undefined) {
    recorded = point.meta;
    previous = point.previous;
    keptIds = point.kept;
  } else {
    if (await store.exists(runId, RUN_KEY)) {
      throw new ExecutorError(
        ExecutorErrorCode.RunExists,
        `run ${runId} already exists; resume it with --resume ${runId} or start a new run without giving its id.`,
        { details: { run_id: runId } },
      );
    }
    recorded = newRunMetadata(runId, options.runbookPath ?? plan.runbookPath, plan, attemptStart);
  }
  const opened = openAttempt(
    recorded,
    attemptStart,
    { pid: process.pid, hostname: osHostname() },
    lease.tookOver,
  );
  let meta = opened.meta;
  const attempt = opened.attempt;
  if (previous) book.keep(keptIds, previous);
  const buildState = () => book.state(attempt.attempt, now());
  // Sizes are taken as each key is written (a stat on the fs store), so `wct runs` sums
  // recorded figures instead of listing and sizing every key of every run.
  const recordSize = async (key: string) => {
    const size = await store.size(runId, key).catch(() => undefined);
    if (size === undefined) delete book.storedBytes[key];
    else book.storedBytes[key] = size;
  };
  if (previous) await carrySizes(store, runId, previous, book.storedBytes);

  if (!resumed) {
    // run.json last: a run is listed and resumable only once its plan and state exist.
    await Promise.all([
      store.saveJson(runId, PLAN_KEY, planRecord(plan)).then(() => recordSize(PLAN_KEY)),
      store.saveJson(runId, STATE_KEY, buildState()),
    ]);
  }
  await store.saveJson(runId, RUN_KEY, meta);

  emit({
    type: "run_started",
    run_id: runId,
    resumed,
    attempt: attempt.attempt,
    total: book.n,
    kept: keptIds,
    ...(lease.tookOver ? { took_over: lease.tookOver } : {}),
  });

  const { stop, dispose } = stopSignal(plan, options, runId, lease);
  let fatal: unknown;
  const writable = () => fatal === undefined && !lease.lost.aborted;
  const checkpoints = createCheckpointer(async () => {
    if (writable()) await store.saveJson(runId, STATE_KEY, buildState());
  });
  const outputs = new OutputCache(artifacts, book.index, book.dependents);
  // A dependent skipped because its input failed: its output will never be asked for.
  const skippedDependent = (d: number, skipError: ArtifactError) => {
    outputs.consumed(d);
    emit({
      type: "artifact_finished",
      id: artifacts[d]!.id,
      status: "skipped",
      duration_ms: 0,
      error: skipError,
    });
  };
  // Stores the content text as it is when the store can; otherwise through a parse.
  const saveProduced = (envelope: Message & { content: null }, contentText: string) =>
    store.saveMessageText
      ? store.saveMessageText(runId, envelope.id, envelope, contentText)
      : store.save(runId, envelope.id, { ...envelope, content: JSON.parse(contentText) });
  const reuseStates: ReuseLookups = new Map();
  const envelopeOf = (
    artifact: PlannedArtifact,
    produced: Produced | undefined,
    error: ArtifactError | null,
    duration: number,
  ): Message & { content: null } => ({
    id: artifact.id,
    schema: produced?.schema ?? artifact.schema ?? UNKNOWN_SCHEMA,
    content: null,
    run_id: runId,
    source: maskText(produced?.source ?? sourceOf(artifact), plan.secrets),
    timestamp: now().toISOString(),
    execution: {
      status: produced ? "completed" : "failed",
      error,
      duration_ms: duration,
      origin: artifact.kind,
      alias: artifact.origin.artifact !== artifact.id ? artifact.origin.artifact : null,
    },
  });

  // A component's escaped exception or process.exit() fails its artifact, not wct.
  const containment = containComponents((crash) => {
    fatal ??= crash;
    stop.abort(crash);
  });
  // Record-reading dependents of a stream start while it is written (pipeline.ts).
  let startNow: (i: number) => boolean = () => false;
  const pipelines = new Pipelines({
    candidates: (p) =>
      book.dependents[p]!.filter((d) => {
        const consumer = artifacts[d]!;
        return (
          book.status[d] === PENDING &&
          book.remaining[d] === 1 &&
          consumer.kind === "process" &&
          consumer.inputs.filter((id) => id === artifacts[p]!.id).length === 1 &&
          registry.processors.get(consumer.component ?? "")?.component.readsInputsAsRecords === true
        );
      }),
    start: (d) => startNow(d),
  });
  const runArtifact = async (i: number): Promise<number[]> => {
    try {
      return await runOne(i);
    } finally {
      pipelines.settle(i, book.status[i] === COMPLETED);
    }
  };
  const runOne = async (i: number): Promise<number[]> => {
    const artifact = artifacts[i]!;
    book.status[i] = RUNNING;
    emit({ type: "artifact_started", id: artifact.id });
    const clock = performance.now();
    const progress = createProgressTracker(artifact.id, emit);
    const inputs = outputs.inputsOf(artifact);
    const readers: ArtifactReader[] = [];
    let produced: Produced | undefined;
    let stored: { digest: string; storedBytes: number } | undefined;
    let error: ArtifactError | null = null;
    // Crashes traced to this artifact's component (while producing or while its stream
    // is written) fail it: the abort reaches the component and the stream's writer.
    const owner = { artifactId: artifact.id, fail: (e: unknown) => control.abort(e) };
    // Set up within the artifact's containment: its timeout fires there, so what the
    // component's abort handlers then do is this artifact's own, not the run's.
    const control = containment.run(owner, () => artifactController(artifact, stop.signal));
    try {
      produced = await abortable(
        containment.run(owner, () =>
          produce(artifact, {
            store,
            registry,
            runId,
            signal: control.signal,
            log: logFor(artifact.id, emit),
            progress: (report) => progress.report(report),
            inputContent: async (id) => {
              const held = inputs.take(id);
              if (held) {
                return {
                  schema: held.schema,
                  source: held.source,
                  content: JSON.parse(held.contentText),
                };
              }
              // Kept from an earlier attempt, or streamed: a parse of the stored bytes.
              const { schema, source, content } = await store.get(runId, id);
              return { schema, source, content };
            },
            heldInput: (id) => inputs.take(id),
            readers,
            reuseStates,
            liveInput: (id) => pipelines.liveInput(i, id),
          }),
        ),
        control.signal,
      );
      if (produced.streamed) {
        // The streamed-artifact unit stores it now, within the artifact's time limits;
        // the envelope's duration is when the stream opened, the trailer's the whole.
        const streamed = produced.streamed;
        const done = produced;
        const envelope = envelopeOf(
          artifact,
          produced,
          null,
          Math.round(performance.now() - clock),
        );
        // Teed outside the producer's containment: the tee starts the live consumers,
        // and what they start must not count as the producer's own work.
        const content = pipelines.tee(
          i,
          artifact.id,
          { schema: envelope.schema, source: envelope.source },
          streamed,
        );
        const committed = await containment.run(owner, () =>
          writeStreamedOutput({
            store,
            runId,
            envelope,
            content,
            signal: control.signal,
            progress,
            finalExecution: () =>
              envelopeOf(artifact, done, null, Math.round(performance.now() - clock)).execution,
          }),
        );
        stored = committed;
      }
    } catch (thrown) {
      // A Proxy thrown by a component may throw even on instanceof.
      const storeFailure = (() => {
        try {
          return thrown instanceof StoreWriteFailure ? thrown.failure : undefined;
        } catch {
          return undefined;
        }
      })();
      if (storeFailure !== undefined) {
        fatal ??= storeFailure;
        stop.abort(storeFailure);
      }
      produced = undefined;
      error = maskArtifactError(
        classifySafely(artifact.id, () => classify(artifact, thrown, control.signal)),
        plan.secrets,
      );
    } finally {
      control.dispose();
      pipelines.release(i);
      progress.flush();
      inputs.releaseRest();
      await Promise.all(readers.map((r) => r.close().catch(() => {})));
    }
    const duration = Math.round(performance.now() - clock);
    // Read live, this artifact completes only after its input did; if the input failed,
    // it is skipped as any dependent of a failure is, whatever it stored meanwhile.
    const upstream = await pipelines.upstreamCompleted(i);
    if (
      !upstream.completed &&
      error?.code !== ExecutorErrorCode.Interrupted &&
      error?.code !== ExecutorErrorCode.RunTimeout
    ) {
      if (!writable()) return [];
      if (produced) {
        await store.delete(runId, artifact.id).catch(() => {});
        // Its bytes are gone (a resumed run carried the earlier attempt's size), unless the
        // delete failed. Not produced, it wrote nothing: what an earlier attempt stored
        // stays, and so does its size.
        await recordSize(artifact.id);
      }
      const skipError = {
        code: ExecutorErrorCode.UpstreamFailed,
        message: `artifact "${artifact.id}" was skipped because its input "${upstream.input}" failed`,
      };
      book.skip(i, skipError);
      emit({
        type: "artifact_finished",
        id: artifact.id,
        status: "skipped",
        duration_ms: 0,
        error: skipError,
      });
      book.skipDependents(i, skippedDependent);
      checkpoints.request();
      return [];
    }
    if (!writable()) return [];

    let digest: string;
    try {
      digest =
        stored?.digest ??
        (produced && !produced.streamed
          ? await saveProduced(envelopeOf(artifact, produced, null, duration), produced.contentText)
          : await store.save(runId, artifact.id, envelopeOf(artifact, undefined, error, duration)));
    } catch (saveError) {
      fatal ??= saveError;
      stop.abort(saveError);
      return [];
    }
    // A streamed artifact's commit said its size; a plain save is sized by the store.
    if (stored === undefined) await recordSize(artifact.id);
    else book.storedBytes[artifact.id] = stored.storedBytes;
    let ready: number[] = [];
    if (produced) {
      ready = book.complete(i, digest, duration);
      if (!produced.streamed) outputs.hold(i, produced);
    } else {
      book.fail(i, error, duration);
    }
    emit({
      type: "artifact_finished",
      id: artifact.id,
      status: produced ? "completed" : "failed",
      duration_ms: duration,
      error,
    });
    // Cut short by an interrupt or the run timeout: dependents stay not_started.
    if (
      !produced &&
      error?.code !== ExecutorErrorCode.Interrupted &&
      error?.code !== ExecutorErrorCode.RunTimeout
    ) {
      book.skipDependents(i, skippedDependent);
    }
    checkpoints.request();
    return ready;
  };

  try {
    await schedule({
      ready: book.ready(),
      maxConcurrency: plan.config.maxConcurrency,
      stop: stop.signal,
      run: runArtifact,
      bind: (start) => {
        startNow = start;
      },
      onUnexpected: (unexpected) => {
        fatal ??= unexpected;
        stop.abort(unexpected);
      },
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
      .then(() => store.saveJson(runId, RUN_KEY, closeAttempt(meta, attempt, "failed", now())))
      .catch(() => {});
    throw fatal;
  }

  // Final state before the run status, so a completed run.json always has its state.
  const finalState = buildState();
  await store.saveJson(runId, STATE_KEY, finalState);
  const runStatus = book.finalStatus((stop.signal.reason as ExecutorError | undefined)?.code);
  const ended = now();
  meta = closeAttempt(meta, attempt, runStatus, ended, runListing(attempt.attempt, finalState));
  await store.saveJson(runId, RUN_KEY, meta);

  const summary: RunSummary = {
    run_id: runId,
    runbook_path: meta.runbook_path,
    runbook_hash: meta.runbook_hash,
    status: runStatus,
    started_at: meta.started_at,
    completed_at: ended.toISOString(),
    duration_ms: Math.round(performance.now() - attemptClock),
    attempt: attempt.attempt,
    artifacts: book.summaries(),
  };
  emit({ type: "run_finished", summary });
  return summary;
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
