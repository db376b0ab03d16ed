import { setMaxListeners } from "node:events";
import { ExecutorError, ExecutorErrorCode } from "../errors.js";
import type { Plan, PlannedArtifact } from "../types.js";
import type { RunLease } from "./lease.js";
import type { RunOptions } from "./types.js";

// Node fires a timer longer than 2^31-1 ms at once; a longer timeout (the runbook schema
// refuses them, a hand-built plan might not) waits the longest a timer can.
const MAX_TIMER_MS = 2 ** 31 - 1;
function timerDelay(seconds: number): number {
  return Math.min(seconds * 1000, MAX_TIMER_MS);
}

/** Why the run stops early: interrupt, run timeout or lost lease; `dispose` unhooks them. */
export function stopSignal(
  plan: Plan,
  options: RunOptions,
  runId: string,
  lease: RunLease,
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

/** See {@link artifactController}. */
export interface ArtifactControl {
  readonly signal: AbortSignal;
  /** Fails the artifact from outside its work (a crash traced to its component). */
  abort(reason: unknown): void;
  dispose(): void;
}

/**
 * One artifact's abort signal: aborted when the run stops (with the run's reason), when
 * the artifact's own timeout passes (`ERR_ARTIFACT_TIMEOUT`), or through `abort` (a
 * crash traced to its component). `dispose` clears the timer and unhooks the run's stop.
 */
export function artifactController(artifact: PlannedArtifact, stop: AbortSignal): ArtifactControl {
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
    abort: (reason: unknown) => controller.abort(reason),
    dispose() {
      clearTimeout(timer);
      stop.removeEventListener("abort", onStop);
    },
  };
}
