// One scanning thread of the personal_data processor (see scan-pool.ts): compiles the
// rules the processor was given, says it is ready, then answers each file with its
// finding drafts and each batch of database cells with their packed matches.
import { parentPort, workerData } from "node:worker_threads";
import { type PackedCells, scanCells, unpackCells } from "./cell-matches.js";
import { draftFileFindings, type ScannedFile } from "./file-scan.js";
import { type PersonalDataProperties, ruleSetOf } from "./properties.js";

const { props, key } = workerData as { props: PersonalDataProperties; key: string | null };
const settings = {
  ruleSet: ruleSetOf(props),
  minConfidence: props.min_confidence,
  evidenceContext: props.evidence_context,
  key,
};

type Request = { seq: number; file: ScannedFile } | { seq: number; cells: PackedCells };

parentPort?.on("message", (message: Request) => {
  try {
    if ("file" in message) {
      parentPort?.postMessage({
        seq: message.seq,
        drafts: draftFileFindings(settings, message.file),
      });
    } else {
      const { texts, froms } = unpackCells(message.cells);
      const cells = scanCells(settings, texts, froms);
      parentPort?.postMessage({ seq: message.seq, cells }, [
        cells.ends.buffer,
        cells.fields.buffer,
        cells.confidences.buffer,
      ]);
    }
  } catch (error) {
    parentPort?.postMessage({
      seq: message.seq,
      error: error instanceof Error ? error.message : String(error),
      code: (error as { code?: unknown } | null)?.code,
    });
  }
});
parentPort?.postMessage({ ready: true });
