/** Schema name of the personal-data processor's output (`personal_data_finding/1.0.0`). */
export const PERSONAL_DATA_FINDING_SCHEMA_NAME = "personal_data_finding";

/** Where a finding is: a line and column of a file, or a cell / column of a SQLite table. */
export type FindingLocation =
  | { kind: "file"; path: string; line: number; column: number }
  | { kind: "sqlite"; path: string; table: string; column: string; rowid: number | null };

/** One personal-data finding, as stored in a `personal_data_finding` artifact. */
export interface Finding {
  type: string;
  category: string;
  location: FindingLocation;
  confidence: number;
  reasons: string[];
  /** Masked value with masked surrounding text; null beyond `max_evidence`. */
  evidence: string | null;
  /** `hmac-sha256:<hex>` of the normalised value; null without a key and for field names. */
  fingerprint: string | null;
  tags: string[];
}

/**
 * The identity of a finding without its occurrence index: type, where it is without
 * the line (lines move when text is added above), and what was found (the fingerprint,
 * or the masked evidence when there is none). Two findings of one value in one place
 * share it; {@link findingIdentities} tells them apart.
 */
export function findingIdentity(finding: Finding): string {
  const where =
    finding.location.kind === "sqlite"
      ? ["sqlite", finding.location.path, finding.location.table, finding.location.column]
      : ["file", finding.location.path];
  const what = finding.fingerprint ?? finding.evidence ?? "";
  return JSON.stringify([finding.type, ...where, what]);
}

/**
 * Identities of a list of findings, in order: {@link findingIdentity} followed by
 * `#n`, the finding's occurrence among those sharing that identity (in list order,
 * which the processor keeps by position), so repeats are matched one to one.
 */
export function findingIdentities(findings: readonly Finding[]): string[] {
  const seen = new Map<string, number>();
  return findings.map((finding) => {
    const base = findingIdentity(finding);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    return `${base}#${n}`;
  });
}

/** Whether a value looks like a {@link Finding} (enough of one to identify it). */
export function isFinding(value: unknown): value is Finding {
  const v = value as Finding;
  return (
    typeof v === "object" &&
    v !== null &&
    typeof v.type === "string" &&
    typeof v.location === "object" &&
    v.location !== null &&
    typeof v.location.path === "string"
  );
}
