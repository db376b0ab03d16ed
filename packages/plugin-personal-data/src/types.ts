/**
 * Shapes of rule definitions (data, settable from a runbook) and of the
 * `personal_data_finding/1.0.0` output. Everything persisted uses snake_case keys.
 */

import type { Finding } from "@wct/findings";

// A finding's shape is @wct/findings' (one copy, which reports and run diffs read too);
// re-exported because the processor's output is made of them.
export type { Finding, FindingLocation } from "@wct/findings";

/** Names of the validators a pattern rule may reference (see `validators.ts`). */
export type ValidatorName =
  | "email"
  | "phone"
  | "ipv4"
  | "ipv6"
  | "luhn"
  | "iban"
  | "us_ssn"
  | "uk_nino"
  | "date";

/** How a matched value is normalised before fingerprinting and test-value lookup. */
export type NormalizerName = "none" | "lower" | "upper" | "digits" | "alnum_upper" | "ip" | "date";

/** Custom masking of a rule's values: keep this many characters at either end. */
export interface KeepMask {
  keep_first?: number;
  keep_last?: number;
}

/** A rule that finds values in text with a regular expression. */
export interface PatternRuleDefinition {
  /** Unique id (`email`, `phone_number.national`); used by `rules.include` / `rules.exclude`. */
  id: string;
  kind?: "pattern";
  /** Finding type (`email`, `payment_card`, ...); several rules may share one. */
  type: string;
  /** A fideslang data-category key (`user.contact.email`). */
  category: string;
  description?: string;
  /** JavaScript regular expression source; the whole match is the value. */
  pattern: string;
  /** Extra flags (`i`, `u`, `s`); `g` is always added. */
  flags?: string;
  validator?: ValidatorName;
  normalize?: NormalizerName;
  /** Masking of evidence; defaults to the built-in mask of `type`, else everything masked. */
  mask?: KeepMask;
  /** Confidence (0–1) of a match that passed its validator, before context. */
  confidence: number;
  /** Words that raise confidence when found within `context_window` characters. */
  context_words?: string[];
  /** Characters searched for context words on each side of a match (default 32). */
  context_window?: number;
  /** When true a match counts only with a context word nearby. */
  context_required?: boolean;
  /** Added to the confidence when a context word is found (default 0.2). */
  context_boost?: number;
  /** Words that lower confidence (by `negative_context_penalty`, default 0.4) when nearby. */
  negative_context_words?: string[];
  negative_context_penalty?: number;
  /**
   * A cheap regular expression every match contains (`@` for e-mail): only windows
   * of `anchor_before` / `anchor_after` characters around its hits are searched.
   */
  anchor?: string;
  anchor_before?: number;
  anchor_after?: number;
  /** Well-known test values (normalised form), reported with the `test_value` tag. */
  test_values?: string[];
  /** Regular expressions over the normalised value that mark test values. */
  test_value_patterns?: string[];
}

/** A rule that recognises personal-data field names (identifiers, columns). */
export interface FieldNameRuleDefinition {
  id: string;
  kind: "field_name";
  /** Always `field_name`. */
  type?: "field_name";
  category: string;
  description?: string;
  /** Names in snake_case (`first_name`); camelCase, UPPER_CASE and joined forms match too. */
  names: string[];
  /** Names that end like one of `names` but are not personal data (`mac_address`). */
  exclude_names?: string[];
  /** Confidence of a name in a structural position (key, assignment, declaration, column). */
  confidence: number;
}

/** A detection rule: data, so a runbook can narrow or extend the built-in set. */
export type RuleDefinition = PatternRuleDefinition | FieldNameRuleDefinition;

/** Coverage of one input artifact. */
export interface InputCoverage {
  id: string;
  schema: string;
  files_scanned?: number;
  bytes_scanned?: number;
  tables_scanned?: number;
  columns_scanned?: number;
  rows_scanned?: number;
  skipped: Record<string, number>;
  skipped_files?: Array<{ path: string; reason: string }>;
  skipped_tables?: Array<{ name: string; reason: string }>;
}

/** Content of a `personal_data_finding/1.0.0` artifact. */
export interface PersonalDataOutput {
  findings: Finding[];
  /** Counts over every finding detected, including those cut by `max_findings`. */
  summary: {
    total: number;
    by_type: Record<string, number>;
    by_category: Record<string, number>;
    test_values: number;
    /** Values found (every type but `field_name`), by type. */
    values: { total: number; by_type: Record<string, number> };
    /** Field names that declare personal data, by the category of data they hold. */
    field_names: { total: number; by_category: Record<string, number> };
  };
  coverage: {
    inputs: InputCoverage[];
    findings_truncated: number;
    evidence_omitted: number;
  };
  rules: { enabled: string[] };
  fingerprint: "enabled" | "disabled";
}
