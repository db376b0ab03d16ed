import { PERSONAL_DATA_FINDING_SCHEMA_NAME } from "@wct/findings";
import type { Finding, PersonalDataOutput } from "@wct/plugin-personal-data";
import type { ArtifactStore } from "@wct/store-core";
import type { ReportArtifact } from "./types.js";

/** Schema name of the artifacts `wct report` renders (`@wct/findings`' own). */
export const FINDINGS_SCHEMA_NAME = PERSONAL_DATA_FINDING_SCHEMA_NAME;

/** A findings artifact opened for reporting: its metadata, and its findings as a stream. */
export interface FindingsSource {
  artifact: ReportArtifact;
  findings: AsyncIterable<Finding>;
}

function reportError(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

function reportArtifact(key: string, content: Partial<PersonalDataOutput>): ReportArtifact {
  return {
    id: key,
    coverage: content.coverage?.inputs ?? [],
    findings_truncated: content.coverage?.findings_truncated ?? 0,
    evidence_omitted: content.coverage?.evidence_omitted ?? 0,
    fingerprint: content.fingerprint ?? "disabled",
    rules: content.rules?.enabled ?? [],
  };
}

/**
 * The one place findings are read from the store. A streamed findings artifact is read
 * twice, record by record, and never held whole: once to its end for the closing fields
 * (coverage, which the renderers want before the rows), then for the findings as the
 * renderer consumes them. A plain (older) one is loaded as a whole, as it was stored.
 */
export async function readFindings(
  store: ArtifactStore,
  runId: string,
  key: string,
): Promise<FindingsSource> {
  const first = await store.openArtifactReader(runId, key);
  const { schema } = first.envelope;
  if (schema.name !== FINDINGS_SCHEMA_NAME) {
    await first.close();
    throw reportError(
      `artifact "${key}" of run ${runId} is ${schema.name}/${schema.version}, not ${FINDINGS_SCHEMA_NAME}; give a findings artifact (see \`wct inspect ${runId}\`)`,
      "ERR_REPORT_NOT_FINDINGS",
    );
  }
  if (first.layout === undefined) {
    await first.close();
    const content = (await store.get(runId, key)).content as PersonalDataOutput;
    const items = Array.isArray(content?.findings) ? content.findings : [];
    return {
      artifact: reportArtifact(key, content ?? {}),
      findings: (async function* () {
        yield* items;
      })(),
    };
  }
  const head = first.layout.head ?? {};
  let closing: Record<string, unknown>;
  try {
    closing = await first.summary();
  } finally {
    await first.close();
  }
  const field = first.layout.recordsField;
  return {
    artifact: reportArtifact(key, { ...head, ...closing } as Partial<PersonalDataOutput>),
    findings: (async function* () {
      const reader = await store.openArtifactReader(runId, key);
      try {
        for await (const record of reader.records(field)) yield record as Finding;
      } finally {
        await reader.close();
      }
    })(),
  };
}
