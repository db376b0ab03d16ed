import { createHash } from "node:crypto";

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

/** The parts of a finding its identity is built from. */
export interface IdentifiableFinding {
  type: string;
  location:
    | { kind: "file"; path: string; line?: number; column?: number }
    | { kind: "sqlite"; path: string; table: string; column: string; rowid?: number | null };
  evidence: string | null;
  fingerprint: string | null;
}

/**
 * The stable identity of a finding: `<32 hex>#<occurrence>`. The hex is a digest of its
 * type, where it is without the line (lines move when text is added above; for SQLite the
 * table and column, not the row) and what was found (the fingerprint, or the masked
 * evidence when there is none: evidence also holds masked surrounding text, which edits
 * nearby change). `occurrence` tells apart repeats of one value in one place: the index
 * of the finding among those of one run sharing the digest, in the order reported.
 * Suppression files and SARIF partial fingerprints hold this string.
 */
export function findingIdentity(finding: IdentifiableFinding, occurrence = 0): string {
  const l = finding.location;
  const where = l.kind === "sqlite" ? ["sqlite", l.path, l.table, l.column] : ["file", l.path];
  const what = finding.fingerprint ?? finding.evidence ?? "";
  const digest = createHash("sha256")
    .update(JSON.stringify([finding.type, ...where, what]))
    .digest("hex")
    .slice(0, 32);
  return `${digest}#${occurrence}`;
}

/**
 * Identities of a list of findings, in order: {@link findingIdentity} with each finding's
 * occurrence among those sharing its digest, so repeats are matched one to one.
 */
export function findingIdentities(findings: Iterable<IdentifiableFinding>): string[] {
  const seen = new Map<string, number>();
  const identities: string[] = [];
  for (const finding of findings) {
    const base = findingIdentity(finding);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    identities.push(n === 0 ? base : findingIdentity(finding, n));
  }
  return identities;
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
