import { ExecutorErrorCode } from "../errors.js";
import type { PlannedArtifact } from "../types.js";
import type { ArtifactError, ArtifactSummary, RunState, RunStatus } from "./types.js";

export const PENDING = 0;
export const RUNNING = 1;
export const COMPLETED = 2;
export const FAILED = 3;
export const SKIPPED = 4;

/**
 * Where every artifact of an attempt stands, by plan index: counters and arrays, never
 * rescans. Builds the checkpointed state, skips dependents of failures and gives the
 * final status and summaries.
 */
export class RunBook {
  readonly n: number;
  readonly index = new Map<string, number>();
  readonly status: Uint8Array;
  readonly kept: Uint8Array;
  /** Inputs of each artifact not yet completed. */
  readonly remaining: Int32Array;
  readonly dependents: number[][];
  readonly durations: (number | null)[];
  readonly errors: (ArtifactError | null)[];
  readonly digests: Record<string, string> = {};
  /** Bytes stored under each key written so far, by any attempt (`stored_bytes`). */
  readonly storedBytes: Record<string, number> = {};

  constructor(readonly artifacts: ReadonlyArray<PlannedArtifact>) {
    const n = artifacts.length;
    this.n = n;
    for (let i = 0; i < n; i++) this.index.set(artifacts[i]!.id, i);
    this.status = new Uint8Array(n);
    this.kept = new Uint8Array(n);
    this.remaining = new Int32Array(n);
    this.dependents = Array.from({ length: n }, () => []);
    this.durations = new Array(n).fill(null);
    this.errors = new Array(n).fill(null);
    for (let i = 0; i < n; i++) {
      const inputs = artifacts[i]!.inputs;
      this.remaining[i] = inputs.length;
      for (const input of inputs) this.dependents[this.index.get(input)!]?.push(i);
    }
  }

  /** Marks what a resume keeps as completed, with its recorded digest and duration. */
  keep(ids: ReadonlyArray<string>, previous: RunState): void {
    for (const id of ids) {
      const i = this.index.get(id)!;
      this.status[i] = COMPLETED;
      this.kept[i] = 1;
      this.digests[id] = previous.digests[id]!;
      this.durations[i] = previous.durations_ms[id] ?? null;
    }
    for (const id of ids) {
      for (const d of this.dependents[this.index.get(id)!]!) this.remaining[d]!--;
    }
  }

  /** Plan indexes ready to run now. */
  ready(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.n; i++) {
      if (this.status[i] === PENDING && this.remaining[i] === 0) out.push(i);
    }
    return out;
  }

  /** Records a completion; returns the dependents it made ready. */
  complete(i: number, digest: string, duration: number): number[] {
    this.status[i] = COMPLETED;
    this.durations[i] = duration;
    this.digests[this.artifacts[i]!.id] = digest;
    const ready: number[] = [];
    for (const d of this.dependents[i]!) {
      if (--this.remaining[d]! === 0 && this.status[d] === PENDING) ready.push(d);
    }
    return ready;
  }

  fail(i: number, error: ArtifactError | null, duration: number): void {
    this.status[i] = FAILED;
    this.durations[i] = duration;
    this.errors[i] = error;
  }

  /** Skips one artifact that ran on a live input whose producer then failed. */
  skip(i: number, error: ArtifactError): void {
    this.status[i] = SKIPPED;
    this.errors[i] = error;
  }

  /**
   * Skips everything downstream of a failed artifact that has not started, and calls
   * `onSkip` for each in order.
   */
  skipDependents(failed: number, onSkip: (i: number, error: ArtifactError) => void): void {
    const root = this.artifacts[failed]!.id;
    const stack = [failed];
    while (stack.length) {
      const j = stack.pop()!;
      for (const d of this.dependents[j]!) {
        if (this.status[d] !== PENDING) continue;
        const upstream = this.artifacts[j]!.id;
        const error = {
          code: ExecutorErrorCode.UpstreamFailed,
          message:
            upstream === root
              ? `artifact "${this.artifacts[d]!.id}" was skipped because its input "${upstream}" failed`
              : `artifact "${this.artifacts[d]!.id}" was skipped because its input "${upstream}" was skipped ("${root}" failed)`,
        };
        this.status[d] = SKIPPED;
        this.errors[d] = error;
        onSkip(d, error);
        stack.push(d);
      }
    }
  }

  /** Artifacts still running when the attempt stops go back to not started. */
  unstartRunning(): void {
    for (let i = 0; i < this.n; i++) if (this.status[i] === RUNNING) this.status[i] = PENDING;
  }

  /** `_system/state` as of now. */
  state(attempt: number, checkpoint: Date): RunState {
    const state: RunState = {
      completed: [],
      not_started: [],
      failed: [],
      skipped: [],
      last_checkpoint: checkpoint.toISOString(),
      attempt,
      digests: this.digests,
      durations_ms: {},
      errors: {},
      stored_bytes: this.storedBytes,
    };
    for (let i = 0; i < this.n; i++) {
      const id = this.artifacts[i]!.id;
      const s = this.status[i];
      if (s === COMPLETED) state.completed.push(id);
      else if (s === FAILED) state.failed.push(id);
      else if (s === SKIPPED) state.skipped.push(id);
      else state.not_started.push(id);
      const duration = this.durations[i];
      if (duration !== null && duration !== undefined) state.durations_ms[id] = duration;
      const error = this.errors[i];
      if (error) state.errors[id] = error;
    }
    return state;
  }

  /**
   * How the attempt ended: interrupted when an interrupt cut it short, failed when a
   * required artifact failed or the run timed out, otherwise completed (optional
   * artifacts may have failed).
   */
  finalStatus(stopCode: string | undefined): Exclude<RunStatus, "running"> {
    let cutShort = false;
    let blockingFailure = false;
    for (let i = 0; i < this.n; i++) {
      if (this.status[i] === PENDING) cutShort = true;
      if (this.status[i] === FAILED) {
        if (this.errors[i]?.code === stopCode) cutShort = true;
        if (!this.artifacts[i]!.optional) blockingFailure = true;
      }
    }
    if (cutShort && stopCode === ExecutorErrorCode.Interrupted) return "interrupted";
    if (blockingFailure || (cutShort && stopCode === ExecutorErrorCode.RunTimeout)) return "failed";
    return "completed";
  }

  summaries(): ArtifactSummary[] {
    return this.artifacts.map((a, i) => ({
      id: a.id,
      status:
        this.status[i] === COMPLETED
          ? "completed"
          : this.status[i] === FAILED
            ? "failed"
            : this.status[i] === SKIPPED
              ? "skipped"
              : "not_started",
      kept: this.kept[i] === 1,
      duration_ms: this.durations[i] ?? null,
      error: this.errors[i] ?? null,
      output: a.output,
      optional: a.optional,
    }));
  }
}
