// One scanning thread of the personal_data processor (see scan-pool.ts): compiles the
// rules the processor was given, then answers each file with its finding drafts.
import { parentPort, workerData } from "node:worker_threads";
import { draftFileFindings, type ScannedFile } from "./file-scan.js";
import { type PersonalDataProperties, ruleSetOf } from "./properties.js";

const { props, key } = workerData as { props: PersonalDataProperties; key: string | null };
const settings = {
  ruleSet: ruleSetOf(props),
  minConfidence: props.min_confidence,
  evidenceContext: props.evidence_context,
  key,
};

parentPort?.on("message", (message: { seq: number; file: ScannedFile }) => {
  try {
    parentPort?.postMessage({
      seq: message.seq,
      drafts: draftFileFindings(settings, message.file),
    });
  } catch (error) {
    parentPort?.postMessage({
      seq: message.seq,
      error: error instanceof Error ? error.message : String(error),
      code: (error as { code?: unknown } | null)?.code,
    });
  }
});
