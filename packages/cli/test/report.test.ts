import type { RunSummary } from "@wct/executor";
import type { ArtifactStore } from "@wct/store-core";
import { createMemoryStore } from "@wct/store-memory";
import { describe, expect, it } from "vitest";
import { completedMessage } from "../../../test-utils/messages.js";
import { outputReport } from "../src/report.js";

const RUN = "run-1";

/** A memory store holding one streamed output, `findings`, and counting summary reads. */
async function storeWithFindings() {
  const store = createMemoryStore();
  const writer = await store.openArtifactWriter(
    RUN,
    "findings",
    completedMessage({
      id: "findings",
      runId: RUN,
      content: null,
      schema: { name: "personal_data_finding", version: "1.0.0" },
    }),
    { recordsField: "findings", head: {} },
  );
  await writer.write({ type: "email" });
  await writer.commit({ summary: { total: 1, by_type: { email: 1 } } });
  let summaryReads = 0;
  const counting: ArtifactStore = {
    ...store,
    async openArtifactReader(runId, key) {
      const reader = await store.openArtifactReader(runId, key);
      return {
        ...reader,
        envelope: reader.envelope,
        layout: reader.layout,
        records: reader.records.bind(reader),
        close: reader.close.bind(reader),
        summary() {
          summaryReads++;
          return reader.summary();
        },
      };
    },
  };
  return { store: counting, summaryReads: () => summaryReads };
}

const summary: RunSummary = {
  run_id: RUN,
  runbook_path: "scan.yaml",
  runbook_hash: "sha256:0",
  status: "completed",
  started_at: "2026-01-01T00:00:00.000Z",
  completed_at: "2026-01-01T00:00:01.000Z",
  duration_ms: 1000,
  attempt: 1,
  artifacts: [
    {
      id: "findings",
      status: "completed",
      kept: false,
      duration_ms: 1000,
      error: null,
      output: true,
      optional: false,
    },
  ],
};

describe("the outputs report after a run", () => {
  it("describes a streamed output from the closing summary the run announced, without reading the stream back", async () => {
    const { store, summaryReads } = await storeWithFindings();
    const closings = new Map([["findings", { summary: { total: 1, by_type: { email: 1 } } }]]);
    const report = await outputReport(store, summary, closings);
    expect(report).toContain("findings  (personal_data_finding/1.0.0)");
    expect(report).toContain("by_type: email 1");
    expect(summaryReads()).toBe(0);
  });

  it("reads a streamed output's summary from the store when the run announced none (kept from an earlier attempt)", async () => {
    const { store, summaryReads } = await storeWithFindings();
    const report = await outputReport(store, summary);
    expect(report).toContain("by_type: email 1");
    expect(summaryReads()).toBe(1);
  });
});
