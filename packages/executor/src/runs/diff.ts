import { createHash } from "node:crypto";
import {
  diffFindings,
  type Finding,
  isFinding,
  PERSONAL_DATA_FINDING_SCHEMA_NAME,
} from "@wct/findings";
import type { ArtifactStore, Message } from "@wct/store-core";
import { readRunInfo, resolveRunId } from "../run/records.js";
import type { ArtifactStatus, RunMetadata, RunState } from "../run/types.js";

/** One artifact as it stands in one run of a diff; null where the run has no such artifact. */
export interface ArtifactSide {
  status: ArtifactStatus;
  /** `sha256:<hex>` of the stored Message (envelope included), as recorded; null when not completed. */
  digest: string | null;
  /**
   * `sha256:<hex>` of the artifact's content alone (the envelope holds the run id and
   * times, which differ in every run); null when not completed or unreadable.
   */
  content_digest: string | null;
}

/** Findings of one personal-data artifact present in both runs. */
export interface FindingsChange {
  new: Finding[];
  gone: Finding[];
  unchanged: number;
  by_type: Record<string, { new: number; gone: number; unchanged: number }>;
}

export interface ArtifactDiff {
  id: string;
  a: ArtifactSide | null;
  b: ArtifactSide | null;
  /** Status or content differ (or the artifact is in one run only). */
  changed: boolean;
  /** For `personal_data_finding` artifacts stored in both runs. */
  findings?: FindingsChange;
}

export interface RunSide {
  run_id: string;
  runbook_path: string;
  runbook_hash: string;
  status: RunMetadata["status"];
  started_at: string;
}

/** What `wct runs diff <a> <b>` shows. */
export interface RunDiff {
  a: RunSide;
  b: RunSide;
  runbook_changed: boolean;
  artifacts: ArtifactDiff[];
}

function statusIn(state: RunState, id: string): ArtifactStatus | undefined {
  if (state.completed.includes(id)) return "completed";
  if (state.failed.includes(id)) return "failed";
  if (state.skipped.includes(id)) return "skipped";
  if (state.not_started.includes(id)) return "not_started";
  return undefined;
}

function artifactIds(state: RunState): string[] {
  return [...state.completed, ...state.failed, ...state.skipped, ...state.not_started];
}

function contentDigest(message: Message | undefined): string | null {
  if (message === undefined) return null;
  return `sha256:${createHash("sha256").update(JSON.stringify(message.content)).digest("hex")}`;
}

function findingsOf(message: Message | undefined): Finding[] | undefined {
  if (message?.schema.name !== PERSONAL_DATA_FINDING_SCHEMA_NAME) return undefined;
  const findings = (message.content as { findings?: unknown } | null)?.findings;
  return Array.isArray(findings) ? findings.filter(isFinding) : undefined;
}

/**
 * Compares two runs (ids or unique prefixes): per artifact its status and digest in
 * each run and whether it changed, whether the runbook changed, and for
 * personal-data findings artifacts which findings are new, gone and unchanged,
 * matched by identity (see `@wct/findings`). `ERR_RUN_NOT_FOUND` (with close matches)
 * / `ERR_RUN_AMBIGUOUS` for a run that does not resolve.
 */
export async function diffRuns(store: ArtifactStore, a: string, b: string): Promise<RunDiff> {
  const [idA, idB] = await Promise.all([resolveRunId(store, a), resolveRunId(store, b)]);
  const [infoA, infoB] = await Promise.all([readRunInfo(store, idA), readRunInfo(store, idB)]);
  const side = (run: RunMetadata): RunSide => ({
    run_id: run.run_id,
    runbook_path: run.runbook_path,
    runbook_hash: run.runbook_hash,
    status: run.status,
    started_at: run.started_at,
  });
  const ids = [...new Set([...artifactIds(infoA.state), ...artifactIds(infoB.state)])];
  // One artifact of each run at a time: a diff holds at most two in memory.
  const read = (runId: string, info: { state: RunState }, id: string) =>
    statusIn(info.state, id) === "completed"
      ? store.get(runId, id).catch(() => undefined)
      : Promise.resolve(undefined);
  const sideOf = (
    info: { state: RunState },
    id: string,
    message: Message | undefined,
  ): ArtifactSide | null => {
    const status = statusIn(info.state, id);
    if (status === undefined) return null;
    const completed = status === "completed";
    return {
      status,
      digest: completed ? (info.state.digests[id] ?? null) : null,
      content_digest: completed ? contentDigest(message) : null,
    };
  };
  const artifacts: ArtifactDiff[] = [];
  for (const id of ids) {
    const [ma, mb] = await Promise.all([read(idA, infoA, id), read(idB, infoB, id)]);
    const sa = sideOf(infoA, id, ma);
    const sb = sideOf(infoB, id, mb);
    const changed = sa?.status !== sb?.status || sa?.content_digest !== sb?.content_digest;
    const diff: ArtifactDiff = { id, a: sa, b: sb, changed };
    const before = findingsOf(ma);
    const after = findingsOf(mb);
    if (before !== undefined && after !== undefined) {
      const d = diffFindings(before, after);
      diff.findings = {
        new: d.new,
        gone: d.gone,
        unchanged: d.unchanged.length,
        by_type: d.by_type,
      };
    }
    artifacts.push(diff);
  }
  return {
    a: side(infoA.run),
    b: side(infoB.run),
    runbook_changed: infoA.run.runbook_hash !== infoB.run.runbook_hash,
    artifacts: artifacts.sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0)),
  };
}
