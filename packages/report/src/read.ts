import type { Finding, PersonalDataOutput } from "@wct/plugin-personal-data";
import type { ArtifactStore } from "@wct/store-core";
import type { ReportArtifact } from "./types.js";

/** Schema name of the artifacts `wct report` renders. */
export const FINDINGS_SCHEMA_NAME = "personal_data_finding";

/** A findings artifact opened for reporting: its metadata, and its findings as a stream. */
export interface FindingsSource {
  artifact: ReportArtifact;
  findings: AsyncIterable<Finding>;
}

function reportError(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

/**
 * The one place findings are read from the store. It loads the whole Message today;
 * when artifacts are stored as streams it will read records one by one, and nothing
 * downstream changes (everything consumes the `AsyncIterable`).
 */
export async function readFindings(
  store: ArtifactStore,
  runId: string,
  key: string,
): Promise<FindingsSource> {
  const message = await store.get(runId, key);
  if (message.schema.name !== FINDINGS_SCHEMA_NAME) {
    throw reportError(
      `artifact "${key}" of run ${runId} is ${message.schema.name}/${message.schema.version}, not ${FINDINGS_SCHEMA_NAME}; give a findings artifact (see \`wct inspect ${runId}\`)`,
      "ERR_REPORT_NOT_FINDINGS",
    );
  }
  const content = message.content as PersonalDataOutput;
  const items = Array.isArray(content?.findings) ? content.findings : [];
  return {
    artifact: {
      id: key,
      coverage: content.coverage?.inputs ?? [],
      findings_truncated: content.coverage?.findings_truncated ?? 0,
      evidence_omitted: content.coverage?.evidence_omitted ?? 0,
      fingerprint: content.fingerprint ?? "disabled",
      rules: content.rules?.enabled ?? [],
    },
    findings: (async function* () {
      yield* items;
    })(),
  };
}
