// The personal_data processor: its schemas and `findPersonalData`, the scan of inputs
// held whole. The processor itself streams (`stream-scan.ts`); what both share is in
// `scan-context.ts`, and files and rows are scanned by `files.ts` and `rows.ts`.
import { PERSONAL_DATA_FINDING_SCHEMA_NAME } from "@wct/findings";
import { defineProcessor, type InputMessage, type SchemaRef, streamContent } from "@wct/plugin-api";
import { scanFiles } from "./files.js";
import { personalDataPropertiesSchema } from "./properties.js";
import { databaseCoverage, dbPathOf, RowScanner, scanDatabase, tableHeadsOf } from "./rows.js";
import {
  checkpoint,
  closing,
  isObject,
  ROW_STRIDE,
  scanContext,
  unsupported,
} from "./scan-context.js";
import { streamPersonalData } from "./stream-scan.js";
import type { InputCoverage, PersonalDataOutput } from "./types.js";

export { type StreamScanOptions, streamPersonalData } from "./stream-scan.js";

/** Input schema produced by the filesystem connector. */
export const FILE_CONTENT_SCHEMA: SchemaRef = { name: "file_content", version: "1.0.0" };
/** Input schema produced by the SQLite connector: rows streamed table by table. */
export const DATABASE_CONTENT_SCHEMA: SchemaRef = { name: "database_content", version: "2.0.0" };
/** The earlier SQLite schema (tables holding their sample rows), still read. */
export const DATABASE_CONTENT_V1_SCHEMA: SchemaRef = { name: "database_content", version: "1.0.0" };
/** Output schema of the processor. */
export const PERSONAL_DATA_FINDING_SCHEMA: SchemaRef = {
  name: PERSONAL_DATA_FINDING_SCHEMA_NAME,
  version: "1.0.0",
};

/**
 * Scans inputs (file_content or database_content content) and returns the
 * `personal_data_finding/1.0.0` content. Exposed for embedding; holds every input and
 * finding in memory (the processor streams instead, see {@link streamPersonalData}).
 */
export async function findPersonalData(
  inputs: ReadonlyArray<InputMessage>,
  rawProperties: unknown,
  signal: AbortSignal = new AbortController().signal,
): Promise<PersonalDataOutput> {
  const ctx = scanContext(rawProperties, signal);
  const coverage: InputCoverage[] = [];
  for (const input of inputs) {
    signal.throwIfAborted();
    const content = isObject(input.content) ? input.content : {};
    if (Array.isArray(content.files)) {
      coverage.push(await scanFiles(ctx, input, content));
    } else if (Array.isArray(content.rows)) {
      const counts = { columns: 0, rows: 0, bytes: 0, tables: 0 };
      const dbPath = dbPathOf(content.database);
      // Findings stay in the sink: this form returns them all at once.
      const scanner = new RowScanner(ctx, tableHeadsOf(content.tables), dbPath, counts);
      let seen = 0;
      for (const row of content.rows as unknown[]) {
        signal.throwIfAborted();
        if (++seen % ROW_STRIDE === 0) await checkpoint(ctx);
        scanner.scan(row);
      }
      scanner.finish();
      coverage.push(databaseCoverage(input, content.coverage, counts.tables, counts));
    } else if (Array.isArray(content.tables)) {
      coverage.push(await scanDatabase(ctx, input, content));
    } else {
      throw unsupported(input);
    }
  }
  return { findings: ctx.sink.findings, ...closing(ctx, coverage) };
}

/** The `personal_data` processor. */
export const personalDataProcessor = defineProcessor({
  type: "personal_data",
  description:
    "Finds personal data (e-mails, phone numbers, IPs, cards, IBANs, national ids, dates of birth, personal-data field names) in files and SQLite rows, with masked evidence and keyed fingerprints.",
  inputSchemas: [[FILE_CONTENT_SCHEMA], [DATABASE_CONTENT_SCHEMA], [DATABASE_CONTENT_V1_SCHEMA]],
  outputSchema: PERSONAL_DATA_FINDING_SCHEMA,
  properties: personalDataPropertiesSchema,
  readsInputsAsRecords: true,
  async process({ inputs, properties, signal, log, progress }) {
    const streamed = streamPersonalData(inputs, properties, signal, progress);
    return streamContent({
      recordsField: streamed.recordsField,
      records: streamed.records,
      summary: async () => {
        const closed = await streamed.summary();
        const summary = closed.summary as PersonalDataOutput["summary"];
        const coverage = closed.coverage as PersonalDataOutput["coverage"];
        log.info("personal data scan finished", {
          inputs: inputs.length,
          findings: summary.total,
          findings_truncated: coverage.findings_truncated,
          fingerprint: closed.fingerprint,
        });
        return closed;
      },
    });
  },
});
