import type { ArtifactStore } from "@wct/store-core";
import type { ComponentRegistry } from "../plan/registry.js";

/** Run status as persisted in `run.json`. */
export type RunStatus = "running" | "completed" | "failed" | "interrupted";

/** How an artifact ended in one attempt. */
export type ArtifactStatus = "completed" | "failed" | "skipped" | "not_started";

/** A stable code and a message; never a stack. */
export interface ArtifactError {
  code: string;
  message: string;
}

/** Who holds (or held) a run's lease, as shown to users. */
export interface LeaseHolder {
  pid: number;
  hostname: string;
  started: string;
  heartbeat: string;
  expires: string;
}

/** One attempt of a run (the first run and every resume), in `run.json`. */
export interface RunAttempt {
  attempt: number;
  started_at: string;
  ended_at: string | null;
  status: RunStatus;
  pid: number;
  hostname: string;
  /** The stale lease this attempt took over, when it did. */
  took_over?: LeaseHolder;
}

/** `_system/run`: what a run is and how it went. */
export interface RunMetadata {
  run_id: string;
  /** As the user typed it. */
  runbook_path: string;
  runbook_hash: string;
  started_at: string;
  /** When the last attempt ended; null while running. */
  completed_at: string | null;
  status: RunStatus;
  files: { path: string; sha256: string }[];
  attempts: RunAttempt[];
  /**
   * What `wct runs` shows of a finished run, written with the record that closes its
   * last attempt, so listing it reads this record alone. Trusted only while it names
   * that attempt (a later attempt, even by an older wct that keeps it, makes it stale).
   * Absent in runs written before it was recorded, and while a run is running.
   */
  listing?: RunListing;
}

/** `run.json`'s copy of what `wct runs` needs from the state of a finished attempt. */
export interface RunListing {
  /** The attempt whose closing wrote it. */
  attempt: number;
  counts: { completed: number; failed: number; skipped: number; not_started: number };
  /** Bytes the run holds besides `run.json` itself (its keys' recorded sizes and `state.json`). */
  stored_bytes: number;
}

/** `_system/state`: the execution state, checkpointed after each artifact ends. */
export interface RunState {
  completed: string[];
  not_started: string[];
  failed: string[];
  skipped: string[];
  last_checkpoint: string;
  attempt: number;
  /** `messageDigest` of each completed artifact's stored Message. */
  digests: Record<string, string>;
  durations_ms: Record<string, number>;
  errors: Record<string, ArtifactError>;
  /**
   * Bytes stored under each key the run wrote (its artifacts and `_system/plan`), taken
   * from the store (`ArtifactStore.size`) as each was written, so listing runs with their
   * sizes reads no listing and no file metadata. Absent in runs written by wct before it
   * recorded sizes; those are sized key by key.
   */
  stored_bytes?: Record<string, number>;
}

export interface RunOptions {
  store: ArtifactStore;
  registry: ComponentRegistry;
  /** Full id of the run to resume (the CLI resolves prefixes with `resolveRunId`). */
  resume?: string;
  /** Id of a new run; default a time-ordered UUIDv7. */
  runId?: string;
  /** Recorded as `runbook_path` (as the user typed it); default `plan.runbookPath`. */
  runbookPath?: string;
  /** Aborting it interrupts the run: it stops, checkpoints and resolves `interrupted`. */
  signal?: AbortSignal;
  onEvent?: (event: RunEvent) => void;
  lease?: { ttlMs?: number; heartbeatMs?: number };
  now?: () => Date;
}

export interface ArtifactSummary {
  id: string;
  status: ArtifactStatus;
  /** Reused from an earlier attempt of this run (resume), not produced now. */
  kept: boolean;
  duration_ms: number | null;
  error: ArtifactError | null;
  output: boolean;
  optional: boolean;
}

export interface RunSummary {
  run_id: string;
  runbook_path: string;
  runbook_hash: string;
  status: Exclude<RunStatus, "running">;
  /** When the run first started (kept across resumes). */
  started_at: string;
  completed_at: string;
  /** Duration of this attempt. */
  duration_ms: number;
  attempt: number;
  artifacts: ArtifactSummary[];
}

export type LogLevel = "debug" | "info" | "warn" | "error";

export type RunEvent =
  | {
      type: "run_started";
      run_id: string;
      resumed: boolean;
      attempt: number;
      total: number;
      kept: string[];
      took_over?: LeaseHolder;
    }
  | { type: "artifact_started"; id: string }
  | {
      /** How far a running artifact has got; at most a few per second per artifact. */
      type: "artifact_progress";
      id: string;
      /** Items done (files, rows, records). */
      items: number;
      items_total: number | null;
      bytes: number | null;
      bytes_total: number | null;
      /** What an item is, plural: `files`, `rows`, `records`. */
      unit: string;
    }
  | {
      type: "artifact_finished";
      id: string;
      status: "completed" | "failed" | "skipped";
      duration_ms: number;
      error: ArtifactError | null;
      /**
       * A streamed artifact completed in this run: the summary its stream closed with,
       * as stored (what a reader's `summary()` reads back at the end of the stream).
       */
      closing?: Record<string, unknown>;
    }
  | {
      type: "log";
      id: string;
      level: LogLevel;
      message: string;
      fields: Record<string, unknown> | undefined;
    }
  | { type: "run_finished"; summary: RunSummary };

/** One line of `wct runs`. `size_bytes`: bytes the run holds in the store (every key). */
export type RunRecord =
  | {
      run_id: string;
      status: RunStatus;
      runbook_path: string;
      started_at: string;
      completed_at: string | null;
      duration_ms: number | null;
      counts: { completed: number; failed: number; skipped: number; not_started: number };
      attempts: number;
      /** A `running` run whose process is gone (no live lease): resume takes it over. */
      stale: boolean;
      size_bytes: number;
    }
  | { run_id: string; status: "unreadable"; reason: string; size_bytes: number }
  /**
   * Holds keys but no `run.json`: its process died before the run began (or is starting
   * right now). No artifact was saved; `--resume` starts it afresh under its id.
   */
  | { run_id: string; status: "never_started"; size_bytes: number }
  /** A run whose deletion was cut short (a crash during a prune): the next prune finishes it. */
  | { run_id: string; status: "deleting"; size_bytes: number };
