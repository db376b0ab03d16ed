import { type RuleSet, scanText, type TextMatch } from "./engine.js";
import { buildEvidence } from "./evidence.js";
import { fingerprintValue } from "./fingerprint.js";
import { LineIndex } from "./lines.js";
import type { Finding, FindingLocation } from "./types.js";
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

/**
 * The finding of one match: the one builder of the main thread's scan (files and rows)
 * and the scanning threads' drafts. `evidence: false` leaves the evidence out (the
 * findings limits said so); `minOffset` keeps evidence from reaching before it (a cell's
 * context prefix).
 */
export function findingOf(
  settings: Pick<FileScanSettings, "ruleSet" | "evidenceContext" | "key">,
  text: string,
  match: TextMatch,
  location: FindingLocation,
  lines: LineIndex,
  evidence: boolean,
  minOffset = 0,
): Finding {
  const { ruleSet, key } = settings;
  const rule = ruleSet.byId.get(match.ruleId);
  let fingerprint: string | null = null;
  if (key && rule && rule.kind !== "field_name") {
    const normalized = normalizeValue(rule.normalize ?? "none", text.slice(match.start, match.end));
    fingerprint = fingerprintValue(key, normalized);
  }
  return {
    type: match.type,
    category: match.category,
    location,
    confidence: match.confidence,
    reasons: match.reasons,
    evidence: evidence
      ? buildEvidence(ruleSet, text, match, settings.evidenceContext, lines, minOffset)
      : null,
    fingerprint,
    tags: [...(match.testValue ? ["test_value"] : []), ...(match.tags ?? [])],
  };
}

/** Every finding of one file, in the order the in-thread scan reports them. */
export function draftFileFindings(settings: FileScanSettings, file: ScannedFile): FindingDraft[] {
  const matches = scanText(file.text, {
    ruleSet: settings.ruleSet,
    minConfidence: settings.minConfidence,
    path: file.path,
  });
  if (matches.length === 0) return [];
  const lines = new LineIndex(file.text);
  return matches.map((match) => ({
    testValue: match.testValue,
    finding: findingOf(
      settings,
      file.text,
      match,
      { kind: "file", path: file.path, ...lines.position(match.start) },
      lines,
      true,
    ),
  }));
}
