import { setMaxListeners } from "node:events";
import { hostname as osHostname } from "node:os";
import { performance } from "node:perf_hooks";
import type { ComponentLog } from "@wct/plugin-api";
import type { ArtifactStore, Message } from "@wct/store-core";
import { ExecutorError, ExecutorErrorCode } from "../errors.js";
import { IndexHeap } from "../heap.js";
import type { Plan, PlannedArtifact } from "../types.js";
import { createCheckpointer } from "./checkpoint.js";
import { mapWithLimit } from "./concurrency.js";
import { classifySafely, containComponents } from "./containment.js";
import { createRunId } from "./ids.js";
import { PLAN_KEY, RUN_KEY, STATE_KEY } from "./layout.js";
import { acquireRunLease } from "./lease.js";
import { type Produced, produce, type StoredOutput } from "./produce.js";
import { READ_CONCURRENCY, type ReuseLookups, readRunMetadata, readRunState } from "./records.js";
import { maskArtifactError, maskEvent, maskText, maskThrown } from "./secrets.js";
import type {
  ArtifactError,
  ArtifactSummary,
  LogLevel,
  RunAttempt,
  RunEvent,
  RunMetadata,
  RunOptions,
  RunState,
  RunStatus,
  RunSummary,
} from "./types.js";
import { readResumableMetadata } from "./unborn.js";

const PENDING = 0;
const RUNNING = 1;
const COMPLETED = 2;
const FAILED = 3;
const SKIPPED = 4;

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

function runbookChanged(runId: string, run: RunMetadata, plan: Plan): ExecutorError {
  const before = new Map((run.files ?? []).map((f) => [f.path, f.sha256]));
  const now = new Map(plan.files.map((f) => [f.path, f.sha256]));
  const changes: { path: string; change: "changed" | "added" | "removed" }[] = [];
  for (const [path, sha] of now) {
    const old = before.get(path);
    if (old === undefined) changes.push({ path, change: "added" });
    else if (old !== sha) changes.push({ path, change: "changed" });
  }
  for (const path of before.keys()) if (!now.has(path)) changes.push({ path, change: "removed" });
  const listed = changes.length
    ? changes.map((c) => `${c.path} (${c.change})`).join(", ")
    : "the runbook hash differs";
  return new ExecutorError(
    ExecutorErrorCode.RunbookChanged,
    `cannot resume run ${runId}: its runbook changed since it ran: ${listed}. Restore the files as they were, or start a new run.`,
    {
      details: {
        run_id: runId,
        changed_files: changes.map((c) => c.path),
        changes,
        expected_hash: run.runbook_hash,
        actual_hash: plan.runbookHash,
      },
    },
  );
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

/** Ids of the completed artifacts of an earlier attempt whose stored Message still verifies. */
async function verifyCompleted(
  store: ArtifactStore,
  runId: string,
  state: RunState | undefined,
  index: ReadonlyMap<string, number>,
): Promise<string[]> {
  if (!state) return [];
  const candidates = state.completed.filter(
    (id) => index.has(id) && typeof state.digests[id] === "string",
  );
  const verified = await mapWithLimit(candidates, READ_CONCURRENCY, async (id) => {
    try {
      // The digest of the stored bytes: no parsing, so 10,000 checks stay cheap.
      return (await store.digest(runId, id)) === state.digests[id];
    } catch {
      // Missing, truncated or not JSON: it simply runs again.
      return false;
    }
  });
  return candidates.filter((_, i) => verified[i]);
}

function raceAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    // A component that ignores its signal settles late; the result is dropped here.
    work.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
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

async function execute(
  plan: Plan,
  options: RunOptions,
  runId: string,
  lease: Awaited<ReturnType<typeof acquireRunLease>>,
): Promise<RunSummary> {
  const { store, registry } = options;
  const now = options.now ?? (() => new Date());
  const emit = (event: RunEvent) => {
    try {
      options.onEvent?.(event);
    } catch {
      // A failing progress listener must not break the run.
    }
  };
  const artifacts = plan.artifacts;
  const n = artifacts.length;
  const index = new Map<string, number>();
  for (let i = 0; i < n; i++) index.set(artifacts[i]!.id, i);

  const attemptStart = now();
  const attemptClock = performance.now();
  let meta: RunMetadata;
  let previous: RunState | undefined;
  let keptIds: string[] = [];
  // Read under the lease: a run that never started (no run.json) starts afresh.
  const resumedMeta =
    options.resume !== undefined ? await readResumableMetadata(store, runId) : undefined;
  const resumed = resumedMeta !== undefined;
  if (resumedMeta !== undefined) {
    meta = resumedMeta;
    if (meta.runbook_hash !== plan.runbookHash) throw runbookChanged(runId, meta, plan);
    previous = await readRunState(store, runId);
    keptIds = await verifyCompleted(store, runId, previous, index);
  } else {
    if (await store.exists(runId, RUN_KEY)) {
      throw new ExecutorError(
        ExecutorErrorCode.RunExists,
        `run ${runId} already exists; resume it with --resume ${runId} or start a new run without giving its id.`,
        { details: { run_id: runId } },
      );
    }
    meta = {
      run_id: runId,
      runbook_path: options.runbookPath ?? plan.runbookPath,
      runbook_hash: plan.runbookHash,
      started_at: attemptStart.toISOString(),
      completed_at: null,
      status: "running",
      files: plan.files.map((f) => ({ path: f.path, sha256: f.sha256 })),
      attempts: [],
    };
  }
  const attempt: RunAttempt = {
    attempt: meta.attempts.length + 1,
    started_at: attemptStart.toISOString(),
    ended_at: null,
    status: "running",
    pid: process.pid,
    hostname: osHostname(),
    ...(lease.tookOver ? { took_over: lease.tookOver } : {}),
  };
  // An earlier attempt still open was cut short (its process was killed): close it.
  const closedAttempts = meta.attempts.map((earlier) =>
    earlier.ended_at === null
      ? {
          ...earlier,
          status: "interrupted" as const,
          ended_at: lease.tookOver?.heartbeat ?? attemptStart.toISOString(),
        }
      : earlier,
  );
  meta = {
    ...meta,
    status: "running",
    completed_at: null,
    attempts: [...closedAttempts, attempt],
  };

  // Per-artifact bookkeeping by plan index: counters, never rescans.
  const status = new Uint8Array(n);
  const kept = new Uint8Array(n);
  const remaining = new Int32Array(n);
  const dependents: number[][] = Array.from({ length: n }, () => []);
  const durations: (number | null)[] = new Array(n).fill(null);
  const errors: (ArtifactError | null)[] = new Array(n).fill(null);
  const digests: Record<string, string> = {};
  for (let i = 0; i < n; i++) {
    const inputs = artifacts[i]!.inputs;
    remaining[i] = inputs.length;
    for (const input of inputs) dependents[index.get(input)!]?.push(i);
  }
  for (const id of keptIds) {
    const i = index.get(id)!;
    status[i] = COMPLETED;
    kept[i] = 1;
    digests[id] = previous!.digests[id]!;
    durations[i] = previous!.durations_ms[id] ?? null;
  }
  for (const id of keptIds) {
    for (const d of dependents[index.get(id)!]!) remaining[d]!--;
  }

  const buildState = (): RunState => {
    const state: RunState = {
      completed: [],
      not_started: [],
      failed: [],
      skipped: [],
      last_checkpoint: now().toISOString(),
      attempt: attempt.attempt,
      digests,
      durations_ms: {},
      errors: {},
    };
    for (let i = 0; i < n; i++) {
      const id = artifacts[i]!.id;
      const s = status[i];
      if (s === COMPLETED) state.completed.push(id);
      else if (s === FAILED) state.failed.push(id);
      else if (s === SKIPPED) state.skipped.push(id);
      else state.not_started.push(id);
      const duration = durations[i];
      if (duration !== null && duration !== undefined) state.durations_ms[id] = duration;
      const error = errors[i];
      if (error) state.errors[id] = error;
    }
    return state;
  };

  if (!resumed) {
    // run.json last: a run is listed and resumable only once its plan and state exist.
    await Promise.all([
      store.saveJson(runId, PLAN_KEY, planRecord(plan)),
      store.saveJson(runId, STATE_KEY, buildState()),
    ]);
  }
  await store.saveJson(runId, RUN_KEY, meta);

  emit({
    type: "run_started",
    run_id: runId,
    resumed,
    attempt: attempt.attempt,
    total: n,
    kept: keptIds,
    ...(lease.tookOver ? { took_over: lease.tookOver } : {}),
  });

  // Why the run stops early: interrupt, run timeout, lost lease, or a store failure.
  const stop = new AbortController();
  // One listener per running artifact, plus the scheduler's.
  setMaxListeners(plan.config.maxConcurrency + 8, stop.signal);
  let fatal: unknown;
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
  const runTimeoutMs =
    plan.config.timeout === undefined ? undefined : timerDelay(plan.config.timeout);
  const runTimer =
    runTimeoutMs === undefined
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
          runTimeoutMs,
        );
  const writable = () => fatal === undefined && !lease.lost.aborted;

  const checkpoints = createCheckpointer(async () => {
    if (writable()) await store.saveJson(runId, STATE_KEY, buildState());
  });

  // Outputs of this attempt kept as their stored JSON text while dependents still need
  // them; each dependent parses its own copy, and the text goes once the last has
  // taken it (or was skipped).
  const outputs = new Map<string, StoredOutput>();
  const consumers = new Int32Array(n);
  for (let i = 0; i < n; i++) consumers[i] = dependents[i]!.length;
  const release = (id: string) => {
    if (--consumers[index.get(id)!]! <= 0) outputs.delete(id);
  };
  const consumed = (i: number) => {
    for (const id of artifacts[i]!.inputs) release(id);
  };
  // Inputs kept from an earlier attempt (verified at start) are read from the store by
  // each dependent: a parse of the stored bytes, never a copy of a copy.
  const inputsOf = (artifact: PlannedArtifact) => {
    const unreleased = [...artifact.inputs];
    const take = (id: string): StoredOutput | undefined => {
      const held = outputs.get(id);
      const at = unreleased.indexOf(id);
      if (at >= 0) {
        unreleased.splice(at, 1);
        release(id);
      }
      return held;
    };
    return {
      async inputContent(id: string) {
        const held = take(id);
        if (held) {
          return {
            schema: held.schema,
            source: held.source,
            content: JSON.parse(held.contentText),
          };
        }
        const { schema, source, content } = await store.get(runId, id);
        return { schema, source, content };
      },
      async inputText(id: string): Promise<StoredOutput> {
        const held = take(id);
        if (held) return held;
        const { schema, source, content } = await store.get(runId, id);
        return { schema, source, contentText: JSON.stringify(content) };
      },
      /** Lets go of the inputs the artifact did not take (it failed or was cut short). */
      releaseRest() {
        for (const id of unreleased.splice(0)) release(id);
      },
    };
  };
  // Stores the content text as it is when the store can; otherwise through a parse.
  const saveProduced = (envelope: Message & { content: null }, contentText: string) =>
    store.saveMessageText
      ? store.saveMessageText(runId, envelope.id, envelope, contentText)
      : store.save(runId, envelope.id, { ...envelope, content: JSON.parse(contentText) });
  const reuseStates: ReuseLookups = new Map();

  const logFor = (id: string): ComponentLog => {
    const at = (level: LogLevel) => (message: string, fields?: Record<string, unknown>) =>
      emit({ type: "log", id, level, message, fields });
    return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
  };

  const skipDependents = (failed: number) => {
    const root = artifacts[failed]!.id;
    const stack = [failed];
    while (stack.length) {
      const j = stack.pop()!;
      for (const d of dependents[j]!) {
        if (status[d] !== PENDING) continue;
        const upstream = artifacts[j]!.id;
        const error = {
          code: ExecutorErrorCode.UpstreamFailed,
          message:
            upstream === root
              ? `artifact "${artifacts[d]!.id}" was skipped because its input "${upstream}" failed`
              : `artifact "${artifacts[d]!.id}" was skipped because its input "${upstream}" was skipped ("${root}" failed)`,
        };
        status[d] = SKIPPED;
        errors[d] = error;
        consumed(d);
        emit({
          type: "artifact_finished",
          id: artifacts[d]!.id,
          status: "skipped",
          duration_ms: 0,
          error,
        });
        stack.push(d);
      }
    }
  };

  const heap = new IndexHeap();
  for (let i = 0; i < n; i++) if (status[i] === PENDING && remaining[i] === 0) heap.push(i);
  const maxConcurrency = Math.max(1, plan.config.maxConcurrency);
  let running = 0;

  const classify = (
    artifact: PlannedArtifact,
    error: unknown,
    signal: AbortSignal,
  ): ArtifactError => {
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
  };

  const runArtifact = async (i: number): Promise<void> => {
    const artifact = artifacts[i]!;
    emit({ type: "artifact_started", id: artifact.id });
    const clock = performance.now();
    const controller = new AbortController();
    const onStop = () => controller.abort(stop.signal.reason);
    stop.signal.addEventListener("abort", onStop, { once: true });
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
    let produced: Produced | undefined;
    let error: ArtifactError | null = null;
    const inputs = inputsOf(artifact);
    try {
      produced = await raceAbort(
        containment.run({ artifactId: artifact.id, fail: (e) => controller.abort(e) }, () =>
          produce(artifact, {
            store,
            registry,
            runId,
            signal: controller.signal,
            log: logFor(artifact.id),
            inputContent: inputs.inputContent,
            inputText: inputs.inputText,
            reuseStates,
          }),
        ),
        controller.signal,
      );
    } catch (thrown) {
      error = maskArtifactError(
        classifySafely(artifact.id, () => classify(artifact, thrown, controller.signal)),
        plan.secrets,
      );
    } finally {
      clearTimeout(timer);
      stop.signal.removeEventListener("abort", onStop);
      inputs.releaseRest();
    }
    const duration = Math.round(performance.now() - clock);
    if (!writable()) return;

    // The content goes in as the text serialised once: stored verbatim, never parsed
    // back here.
    const envelope: Message & { content: null } = {
      id: artifact.id,
      schema: produced?.schema ?? artifact.schema ?? { name: "unknown", version: "0.0.0" },
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
    };
    let digest: string;
    try {
      digest = produced
        ? await saveProduced(envelope, produced.contentText)
        : await store.save(runId, artifact.id, envelope);
    } catch (saveError) {
      fatal ??= saveError;
      stop.abort(saveError);
      return;
    }
    durations[i] = duration;
    if (produced) {
      status[i] = COMPLETED;
      digests[artifact.id] = digest;
      if (consumers[i]! > 0) outputs.set(artifact.id, produced);
      for (const d of dependents[i]!) {
        if (--remaining[d]! === 0 && status[d] === PENDING) heap.push(d);
      }
    } else {
      status[i] = FAILED;
      errors[i] = error;
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
      skipDependents(i);
    }
    checkpoints.request();
  };

  // A component's escaped exception or process.exit() fails its artifact, not wct.
  const containment = containComponents((crash) => {
    fatal ??= crash;
    stop.abort(crash);
  });
  await new Promise<void>((resolve) => {
    const pump = () => {
      while (!stop.signal.aborted && running < maxConcurrency && heap.size > 0) {
        const i = heap.pop()!;
        status[i] = RUNNING;
        running++;
        void runArtifact(i)
          .catch((unexpected) => {
            fatal ??= unexpected;
            stop.abort(unexpected);
          })
          .finally(() => {
            running--;
            pump();
          });
      }
      if (running === 0 && (stop.signal.aborted || heap.size === 0)) resolve();
    };
    stop.signal.addEventListener("abort", pump, { once: true });
    pump();
  });
  containment.dispose();
  clearTimeout(runTimer);
  options.signal?.removeEventListener("abort", interrupt);
  lease.lost.removeEventListener("abort", onLeaseLost);
  for (let i = 0; i < n; i++) if (status[i] === RUNNING) status[i] = PENDING;

  await checkpoints.settle().catch((error) => {
    fatal ??= error;
  });
  if (lease.lost.aborted) throw lease.lost.reason;
  if (fatal !== undefined) {
    // The store failed under us: record, if it still can, that this attempt failed
    // (rather than leave the run "running"), then report the store's own error.
    const ended = now().toISOString();
    await store
      .saveJson(runId, STATE_KEY, buildState())
      .then(() =>
        store.saveJson(runId, RUN_KEY, {
          ...meta,
          status: "failed",
          completed_at: ended,
          attempts: [
            ...meta.attempts.slice(0, -1),
            { ...attempt, ended_at: ended, status: "failed" },
          ],
        }),
      )
      .catch(() => {});
    throw fatal;
  }

  // Final state before the run status, so a completed run.json always has its state.
  await store.saveJson(runId, STATE_KEY, buildState());

  const reason = stop.signal.reason as ExecutorError | undefined;
  let notStarted = 0;
  let cutShort = false;
  let blockingFailure = false;
  for (let i = 0; i < n; i++) {
    if (status[i] === PENDING) notStarted++;
    const code = errors[i]?.code;
    if (status[i] === FAILED) {
      if (code === reason?.code) cutShort = true;
      if (!artifacts[i]!.optional) blockingFailure = true;
    }
  }
  cutShort ||= notStarted > 0;
  const runStatus: Exclude<RunStatus, "running"> =
    cutShort && reason?.code === ExecutorErrorCode.Interrupted
      ? "interrupted"
      : blockingFailure || (cutShort && reason?.code === ExecutorErrorCode.RunTimeout)
        ? "failed"
        : "completed";

  const ended = now();
  meta = {
    ...meta,
    status: runStatus,
    completed_at: ended.toISOString(),
    attempts: [
      ...meta.attempts.slice(0, -1),
      { ...attempt, ended_at: ended.toISOString(), status: runStatus },
    ],
  };
  await store.saveJson(runId, RUN_KEY, meta);

  const summaries: ArtifactSummary[] = artifacts.map((a, i) => ({
    id: a.id,
    status:
      status[i] === COMPLETED
        ? "completed"
        : status[i] === FAILED
          ? "failed"
          : status[i] === SKIPPED
            ? "skipped"
            : "not_started",
    kept: kept[i] === 1,
    duration_ms: durations[i] ?? null,
    error: errors[i] ?? null,
    output: a.output,
    optional: a.optional,
  }));
  const summary: RunSummary = {
    run_id: runId,
    runbook_path: meta.runbook_path,
    runbook_hash: meta.runbook_hash,
    status: runStatus,
    started_at: meta.started_at,
    completed_at: ended.toISOString(),
    duration_ms: Math.round(performance.now() - attemptClock),
    attempt: attempt.attempt,
    artifacts: summaries,
  };
  emit({ type: "run_finished", summary });
  return summary;
}

function sourceOf(artifact: PlannedArtifact): string {
  switch (artifact.kind) {
    case "source":
      return `connector:${artifact.component}`;
    case "process":
      return `processor:${artifact.component}`;
    case "passthrough":
      return `passthrough:${artifact.inputs[0]}`;
    case "merge":
      return "merge";
    case "reuse":
      return `reuse:${artifact.reuse?.from_run}/${artifact.reuse?.artifact}`;
  }
}
