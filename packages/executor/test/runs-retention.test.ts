import { createMemoryStore } from "@wct/store-memory";
import { describe, expect, it } from "vitest";
import {
  ExecutorErrorCode,
  parseDuration,
  parseRetentionConfig,
  pruneRuns,
  type RunRecord,
  selectRuns,
} from "../src/index.js";

const NOW = new Date("2026-06-01T00:00:00Z");
const DAY = 86_400_000;

function record(id: string, daysOld: number, status: RunRecord["status"] = "completed"): RunRecord {
  const started_at = new Date(NOW.getTime() - daysOld * DAY).toISOString();
  if (status === "unreadable") return { run_id: id, status, reason: "x", size_bytes: 1 };
  if (status === "deleting") return { run_id: id, status, size_bytes: 1 };
  return {
    run_id: id,
    status,
    runbook_path: "rb.yaml",
    started_at,
    completed_at: started_at,
    duration_ms: 1,
    counts: { completed: 1, failed: 0, skipped: 0, not_started: 0 },
    attempts: 1,
    stale: false,
    size_bytes: 10,
  };
}

describe("retention policy", () => {
  it("durations accept s, m, h, d and w and refuse anything else", () => {
    expect(parseDuration("30d")).toBe(30 * DAY);
    expect(parseDuration("12h")).toBe(12 * 3_600_000);
    expect(parseDuration("2w")).toBe(14 * DAY);
    for (const bad of ["", "30", "d", "1.5d", "-1d", "30 days"]) {
      expect(parseDuration(bad)).toBeUndefined();
    }
  });

  it("keep-last counts among the selected statuses only", () => {
    const records = [
      record("a", 1, "failed"),
      record("b", 2, "completed"),
      record("c", 3, "failed"),
      record("d", 4, "failed"),
    ];
    const { selected } = selectRuns(records, { statuses: ["failed"], keepLast: 1 }, NOW);
    expect(selected.map((r) => r.run_id)).toEqual(["c", "d"]);
  });

  it("half-deleted runs are always selected whatever the policy", () => {
    const records = [record("a", 1), record("b", 2, "deleting")];
    const { selected } = selectRuns(records, { keepLast: 10 }, NOW);
    expect(selected.map((r) => r.run_id)).toEqual(["b"]);
  });

  it("an empty policy is refused rather than deleting everything", async () => {
    await expect(pruneRuns(createMemoryStore(), { policy: {} })).rejects.toMatchObject({
      code: ExecutorErrorCode.PolicyMissing,
    });
  });
});

describe("retention config", () => {
  it("reads keep_last, older_than and status", () => {
    const policy = parseRetentionConfig(
      "retention:\n  keep_last: 3\n  older_than: 12h\n  status: [failed, interrupted]\n",
      "wct.config.yaml",
    );
    expect(policy).toEqual({
      keepLast: 3,
      olderThanMs: 12 * 3_600_000,
      statuses: ["failed", "interrupted"],
    });
  });

  it("a file without a retention section gives no policy", () => {
    expect(parseRetentionConfig("# nothing yet\n", "wct.config.yaml")).toBeUndefined();
  });

  it("an unknown top-level key is an error with its position and a suggestion", () => {
    let error: unknown;
    try {
      parseRetentionConfig("retenton:\n  keep_last: 3\n", "wct.config.yaml");
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({
      code: ExecutorErrorCode.ConfigInvalid,
      diagnostics: [
        { code: "ERR_UNKNOWN_KEY", line: 1, column: 1, hint: 'did you mean "retention"?' },
      ],
    });
  });

  it("a negative keep_last is an error at the value", () => {
    expect(() => parseRetentionConfig("retention:\n  keep_last: -1\n", "wct.config.yaml")).toThrow(
      expect.objectContaining({
        diagnostics: [expect.objectContaining({ code: "ERR_INVALID_VALUE", line: 2, column: 14 })],
      }),
    );
  });

  it("invalid YAML is an error with its position", () => {
    expect(() => parseRetentionConfig("retention: [\n", "wct.config.yaml")).toThrow(
      expect.objectContaining({ code: ExecutorErrorCode.ConfigInvalid }),
    );
  });
});
