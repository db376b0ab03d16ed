import { type RuleSet, scanText } from "./engine.js";
import { buildEvidence } from "./evidence.js";
import { fingerprintValue } from "./fingerprint.js";
import { LineIndex } from "./lines.js";
import type { Finding } from "./types.js";
import { normalizeValue } from "./validators.js";

/** A file as the filesystem connector streams it (the fields a scan needs). */
export interface ScannedFile {
  path: string;
  text: string;
}

/**
 * A finding of one file before the findings limits are applied: evidence and
 * fingerprint are computed whatever the limits, so it can be made on another thread
 * and admitted (or trimmed) in order on the main one.
 */
export interface FindingDraft {
  finding: Finding;
  testValue: boolean;
}

/** What scanning a file needs, all of it plain data a worker can rebuild. */
export interface FileScanSettings {
  ruleSet: RuleSet;
  minConfidence: number;
  evidenceContext: number;
  key: string | null;
}

/** Every finding of one file, in the order the in-thread scan reports them. */
export function draftFileFindings(settings: FileScanSettings, file: ScannedFile): FindingDraft[] {
  const { ruleSet, key } = settings;
  const matches = scanText(file.text, {
    ruleSet,
    minConfidence: settings.minConfidence,
    path: file.path,
  });
  if (matches.length === 0) return [];
  const lines = new LineIndex(file.text);
  return matches.map((match) => {
    const rule = ruleSet.byId.get(match.ruleId);
    let fingerprint: string | null = null;
    if (key && rule && rule.kind !== "field_name") {
      const normalized = normalizeValue(
        rule.normalize ?? "none",
        file.text.slice(match.start, match.end),
      );
      fingerprint = fingerprintValue(key, normalized);
    }
    return {
      testValue: match.testValue,
      finding: {
        type: match.type,
        category: match.category,
        location: { kind: "file", path: file.path, ...lines.position(match.start) },
        confidence: match.confidence,
        reasons: match.reasons,
        evidence: buildEvidence(ruleSet, file.text, match, settings.evidenceContext, lines, 0),
        fingerprint,
        tags: [...(match.testValue ? ["test_value"] : []), ...(match.tags ?? [])],
      },
    };
  });
}
