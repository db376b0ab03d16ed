import { Buffer } from "node:buffer";
import { mkdirSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";

/** What a fabricated run looks like. */
export interface RunSpec {
  startedAt: Date;
  status?: "completed" | "failed" | "interrupted" | "running";
  /** Artifacts stored (default 3), each `payloadBytes` large. */
  artifacts?: number;
  payloadBytes?: number;
  /** Writes `_system/lock.json` held by this pid on this host, valid for an hour. */
  heldBy?: number;
  /**
   * Leaves out `stored_bytes` from the state and `listing` from run.json, as wct did
   * before it recorded sizes.
   */
  legacy?: boolean;
}

let counter = 0;

/** A UUIDv7-shaped id whose time is `at`, unique within the process. */
export function runIdAt(at: Date): string {
  const ms = at.getTime().toString(16).padStart(12, "0");
  const n = (counter++).toString(16).padStart(15, "0");
  return `${ms.slice(0, 8)}-${ms.slice(8, 12)}-7${n.slice(0, 3)}-8${n.slice(3, 6)}-${n.slice(6, 15).padStart(12, "0")}`;
}

/**
 * Writes runs in the fs store's layout (as `wct run` leaves them) without running
 * anything, so tests and benchmarks can have thousands of runs of known ages.
 */
export function writeRuns(storeDir: string, specs: readonly RunSpec[]): string[] {
  return specs.map((spec) => {
    const runId = runIdAt(spec.startedAt);
    const status = spec.status ?? "completed";
    const folder = join(storeDir, "runs", runId);
    mkdirSync(join(folder, "_system"), { recursive: true });
    const ids = Array.from({ length: spec.artifacts ?? 3 }, (_, i) => `artifact_${i}`);
    const started = spec.startedAt.toISOString();
    const ended = new Date(spec.startedAt.getTime() + 1000).toISOString();
    const done = status === "completed" ? ids : ids.slice(0, -1);
    const storedBytes: Record<string, number> = {};
    const write = (key: string, text: string) => {
      writeFileSync(join(folder, `${key}.json`), text);
      storedBytes[key] = Buffer.byteLength(text);
    };
    write("_system/plan", JSON.stringify({ runbook: "name: rb\n", artifacts: ids }));
    // A failed artifact is saved too, with its error, as `wct run` saves it.
    for (const id of ids) {
      const failed = !done.includes(id);
      const message = {
        id,
        schema: { name: "numbers", version: "1.0.0" },
        content: failed ? null : { payload: "x".repeat(spec.payloadBytes ?? 100) },
        run_id: runId,
        source: "connector:numbers",
        timestamp: ended,
        execution: {
          status: failed ? "failed" : "completed",
          error: failed ? { code: "ERR_COMPONENT_FAILED", message: "boom" } : null,
          duration_ms: 1,
          origin: "connector",
          alias: null,
        },
      };
      write(id, JSON.stringify(message));
    }
    const run = {
      run_id: runId,
      runbook_path: "rb.yaml",
      runbook_hash: "sha256:0",
      started_at: started,
      completed_at: status === "running" ? null : ended,
      status,
      files: [],
      attempts: [
        {
          attempt: 1,
          started_at: started,
          ended_at: status === "running" ? null : ended,
          status,
          pid: 1,
          hostname: hostname(),
        },
      ],
    };
    const state = {
      completed: done,
      failed: status === "completed" ? [] : ids.slice(-1),
      skipped: [],
      not_started: [],
      last_checkpoint: ended,
      attempt: 1,
      digests: {},
      durations_ms: {},
      errors: {},
      ...(spec.legacy ? {} : { stored_bytes: storedBytes }),
    };
    const stateText = JSON.stringify(state);
    // A finished run's closing record carries what `wct runs` shows, as `wct run` writes it.
    const listing =
      spec.legacy || status === "running"
        ? {}
        : {
            listing: {
              attempt: 1,
              counts: {
                completed: state.completed.length,
                failed: state.failed.length,
                skipped: 0,
                not_started: 0,
              },
              stored_bytes:
                Object.values(storedBytes).reduce((a, b) => a + b, 0) +
                Buffer.byteLength(stateText),
            },
          };
    writeFileSync(join(folder, "_system", "run.json"), JSON.stringify({ ...run, ...listing }));
    writeFileSync(join(folder, "_system", "state.json"), stateText);
    if (spec.heldBy !== undefined) {
      const now = Date.now();
      writeFileSync(
        join(folder, "_system", "lock.json"),
        JSON.stringify({
          pid: spec.heldBy,
          hostname: hostname(),
          started: new Date(now).toISOString(),
          heartbeat: new Date(now).toISOString(),
          expires: new Date(now + 3_600_000).toISOString(),
          run_id: runId,
          owner: "test",
        }),
      );
    }
    return runId;
  });
}

/** A date `days` days before now. */
export function daysAgo(days: number): Date {
  return new Date(Date.now() - days * 86_400_000);
}
