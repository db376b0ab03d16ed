import { performance } from "node:perf_hooks";
import type { ComponentLog } from "@wct/plugin-api";
import type { ArtifactReader, ArtifactStore, Message } from "@wct/store-core";
import { ExecutorError, ExecutorErrorCode } from "../errors.js";
import type { ComponentRegistry } from "../plan/registry.js";
import type { Plan, PlannedArtifact } from "../types.js";
import { COMPLETED, RUNNING, type RunBook } from "./book.js";
import { type Containment, classifySafely } from "./containment.js";
import type { OutputCache } from "./outputs.js";
import type { Pipelines } from "./pipeline.js";
import { type Produced, produce } from "./produce.js";
import { createProgressTracker } from "./progress.js";
import type { ReuseLookups } from "./records.js";
import { maskArtifactError, maskText } from "./secrets.js";
import { sourceOf, UNKNOWN_SCHEMA } from "./source.js";
import { artifactController } from "./stop.js";
import { abortable, StoreWriteFailure, writeStreamedOutput } from "./stream-output.js";
import type { ArtifactError, LogLevel, RunEvent } from "./types.js";

/**
 * What one artifact's turn needs from its run. `execute()` (run.ts) builds it once per
 * attempt; the scheduler then calls {@link runArtifact} for each artifact it starts.
 */
export interface RunContext {
  readonly plan: Plan;
  readonly store: ArtifactStore;
  readonly registry: ComponentRegistry;
  readonly runId: string;
  readonly now: () => Date;
  readonly emit: (event: RunEvent) => void;
  /** Statuses, digests, durations and stored sizes of every artifact. */
  readonly book: RunBook;
  /** Plain outputs held in memory until their last dependent took them. */
  readonly outputs: OutputCache;
  /** Streams read by their dependents while they are written. */
  readonly pipelines: Pipelines;
  /** Traces a component's escaped failures to its artifact. */
  readonly containment: Containment;
  /** Aborted when the run stops early (interrupt, run timeout, lost lease, fatal error). */
  readonly stop: AbortSignal;
  readonly reuseStates: ReuseLookups;
  /** Asks for a checkpoint of the run's state (coalesced; see checkpoint.ts). */
  checkpoint(): void;
  /** Takes the stored size of `key` (a stat on the fs store) into the book. */
  recordSize(key: string): Promise<void>;
  /** False once the run may write no more: the store failed, or the lease was lost. */
  writable(): boolean;
  /** The store (or wct itself) failed: the run stops, and `execute()` rejects with it. */
  failRun(error: unknown): void;
}

/** How an artifact's component call ended, before anything of it is recorded. */
interface Attempted {
  produced: Produced | undefined;
  /** Set when a streamed output was committed during the call. */
  stored: { digest: string; storedBytes: number; closing: Record<string, unknown> } | undefined;
  error: ArtifactError | null;
  /** `performance.now()` when the artifact started. */
  clock: number;
}

/**
 * One artifact's turn: runs its component ({@link attempt}), then records the outcome
 * ({@link settle}). Resolves with the artifacts this one made ready; never rejects for a
 * component's failure, which fails only this artifact.
 */
export async function runArtifact(run: RunContext, i: number): Promise<number[]> {
  try {
    return await settle(run, i, await attempt(run, i));
  } finally {
    run.pipelines.settle(i, run.book.status[i] === COMPLETED);
  }
}

/**
 * Runs the artifact's component within its containment and time limits and, for a
 * streamed output, stores the stream (stream-output.ts) while its live readers take it
 * (pipeline.ts). A failure is classified here, never thrown; a failure of the store
 * while streaming stops the run.
 */
async function attempt(run: RunContext, i: number): Promise<Attempted> {
  const { plan, store, runId, book, containment, pipelines } = run;
  const artifact = plan.artifacts[i]!;
  book.status[i] = RUNNING;
  run.emit({ type: "artifact_started", id: artifact.id });
  const clock = performance.now();
  const progress = createProgressTracker(artifact.id, run.emit);
  const inputs = run.outputs.inputsOf(artifact);
  const readers: ArtifactReader[] = [];
  let produced: Produced | undefined;
  let stored: Attempted["stored"];
  let error: ArtifactError | null = null;
  // Crashes traced to this artifact's component (while producing or while its stream
  // is written) fail it: the abort reaches the component and the stream's writer.
  const owner = { artifactId: artifact.id, fail: (e: unknown) => control.abort(e) };
  // Set up within the artifact's containment: its timeout fires there, so what the
  // component's abort handlers then do is this artifact's own, not the run's.
  const control = containment.run(owner, () => artifactController(artifact, run.stop));
  try {
    produced = await abortable(
      containment.run(owner, () =>
        produce(artifact, {
          store,
          registry: run.registry,
          runId,
          signal: control.signal,
          log: logFor(artifact.id, run.emit),
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
          reuseStates: run.reuseStates,
          liveInput: (id) => pipelines.liveInput(i, id),
        }),
      ),
      control.signal,
    );
    if (produced.streamed) {
      // The streamed-artifact unit stores it now, within the artifact's time limits;
      // the envelope's duration is when the stream opened, the trailer's the whole.
      const done = produced;
      const envelope = envelopeOf(run, artifact, done, null, Math.round(performance.now() - clock));
      // Teed outside the producer's containment: the tee starts the live consumers,
      // and what they start must not count as the producer's own work.
      const content = pipelines.tee(
        i,
        artifact.id,
        { schema: envelope.schema, source: envelope.source },
        done.streamed,
      );
      stored = await containment.run(owner, () =>
        writeStreamedOutput({
          store,
          runId,
          envelope,
          content,
          signal: control.signal,
          progress,
          finalExecution: () =>
            envelopeOf(run, artifact, done, null, Math.round(performance.now() - clock)).execution,
        }),
      );
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
    if (storeFailure !== undefined) run.failRun(storeFailure);
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
  return { produced, stored, error, clock };
}

/**
 * Records how the artifact ended: its Message saved (a plain output, or the failure),
 * the book updated, its event sent, dependents of a failure skipped, a checkpoint asked
 * for. Read live, an artifact completes only after its input did: if the input failed,
 * it is skipped as any dependent of a failure is, whatever it stored meanwhile.
 */
async function settle(run: RunContext, i: number, attempted: Attempted): Promise<number[]> {
  const { store, runId, book } = run;
  const artifact = run.plan.artifacts[i]!;
  const { produced, stored, error } = attempted;
  const duration = Math.round(performance.now() - attempted.clock);
  const upstream = await run.pipelines.upstreamCompleted(i);
  if (!upstream.completed && !cutShort(error)) {
    if (!run.writable()) return [];
    if (produced) {
      await store.delete(runId, artifact.id).catch(() => {});
      // Its bytes are gone (a resumed run carried the earlier attempt's size), unless the
      // delete failed. Not produced, it wrote nothing: what an earlier attempt stored
      // stays, and so does its size.
      await run.recordSize(artifact.id);
    }
    const skipError = {
      code: ExecutorErrorCode.UpstreamFailed,
      message: `artifact "${artifact.id}" was skipped because its input "${upstream.input}" failed`,
    };
    book.skip(i, skipError);
    run.emit({
      type: "artifact_finished",
      id: artifact.id,
      status: "skipped",
      duration_ms: 0,
      error: skipError,
    });
    book.skipDependents(i, (d, e) => skippedDependent(run, d, e));
    run.checkpoint();
    return [];
  }
  if (!run.writable()) return [];

  let digest: string;
  try {
    digest =
      stored?.digest ??
      (produced && !produced.streamed
        ? await saveProduced(
            run,
            envelopeOf(run, artifact, produced, null, duration),
            produced.contentText,
          )
        : await store.save(
            runId,
            artifact.id,
            envelopeOf(run, artifact, undefined, error, duration),
          ));
  } catch (saveError) {
    run.failRun(saveError);
    return [];
  }
  // A streamed artifact's commit said its size; a plain save is sized by the store.
  if (stored === undefined) await run.recordSize(artifact.id);
  else book.storedBytes[artifact.id] = stored.storedBytes;
  let ready: number[] = [];
  if (produced) {
    ready = book.complete(i, digest, duration);
    if (!produced.streamed) run.outputs.hold(i, produced);
  } else {
    book.fail(i, error, duration);
  }
  run.emit({
    type: "artifact_finished",
    id: artifact.id,
    status: produced ? "completed" : "failed",
    duration_ms: duration,
    error,
    ...(produced && stored !== undefined ? { closing: stored.closing } : {}),
  });
  // Cut short by an interrupt or the run timeout: dependents stay not_started.
  if (!produced && !cutShort(error)) {
    book.skipDependents(i, (d, e) => skippedDependent(run, d, e));
  }
  run.checkpoint();
  return ready;
}

/** Stopped by an interrupt or the run's timeout: not a failure of the artifact's own. */
function cutShort(error: ArtifactError | null): boolean {
  return (
    error?.code === ExecutorErrorCode.Interrupted || error?.code === ExecutorErrorCode.RunTimeout
  );
}

/** A dependent skipped because its input failed: its output will never be asked for. */
function skippedDependent(run: RunContext, d: number, skipError: ArtifactError): void {
  run.outputs.consumed(d);
  run.emit({
    type: "artifact_finished",
    id: run.plan.artifacts[d]!.id,
    status: "skipped",
    duration_ms: 0,
    error: skipError,
  });
}

/** The artifact's Message without its content, which is stored beside it. */
function envelopeOf(
  run: RunContext,
  artifact: PlannedArtifact,
  produced: Produced | undefined,
  error: ArtifactError | null,
  duration: number,
): Message & { content: null } {
  return {
    id: artifact.id,
    schema: produced?.schema ?? artifact.schema ?? UNKNOWN_SCHEMA,
    content: null,
    run_id: run.runId,
    source: maskText(produced?.source ?? sourceOf(artifact), run.plan.secrets),
    timestamp: run.now().toISOString(),
    execution: {
      status: produced ? "completed" : "failed",
      error,
      duration_ms: duration,
      origin: artifact.kind,
      alias: artifact.origin.artifact !== artifact.id ? artifact.origin.artifact : null,
    },
  };
}

/** Stores the content text as it is when the store can; otherwise through a parse. */
function saveProduced(
  run: RunContext,
  envelope: Message & { content: null },
  contentText: string,
): Promise<string> {
  const { store, runId } = run;
  return store.saveMessageText
    ? store.saveMessageText(runId, envelope.id, envelope, contentText)
    : store.save(runId, envelope.id, { ...envelope, content: JSON.parse(contentText) });
}

function errorOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return typeof error === "string" ? error : (JSON.stringify(error) ?? String(error));
}

/**
 * The artifact's error for what its work threw: the run's or the artifact's own stop
 * reason when its signal was aborted, an ExecutorError as it is, anything else a
 * failure of its component.
 */
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

function logFor(id: string, emit: (event: RunEvent) => void): ComponentLog {
  const at = (level: LogLevel) => (message: string, fields?: Record<string, unknown>) =>
    emit({ type: "log", id, level, message, fields });
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}
