// One scanning thread of the personal_data processor (see scan-pool.ts): compiles the
// rules the processor was given, then answers each file with its finding drafts.
import { parentPort, workerData } from "node:worker_threads";
import { compileRules } from "./engine.js";
import { draftFileFindings, type ScannedFile } from "./file-scan.js";
import { type PersonalDataProperties, selectRules } from "./properties.js";
import { builtinRules } from "./rules.js";
import type { RuleDefinition } from "./types.js";

const { props, key } = workerData as { props: PersonalDataProperties; key: string | null };
const settings = {
  ruleSet: compileRules(selectRules(props.rules), [
    ...builtinRules,
    ...((props.rules?.add ?? []) as RuleDefinition[]),
  ]),
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
    });
  }
});
