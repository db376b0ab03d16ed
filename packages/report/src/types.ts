import type { Finding, InputCoverage, PersonalDataOutput } from "@wct/plugin-personal-data";

/** A finding's state against a baseline run (SARIF `baselineState`). */
export type BaselineState = "new" | "unchanged" | "absent";

/** The suppression that applies to a finding. */
export interface AppliedSuppression {
  reason: string;
  author: string;
  /** `YYYY-MM-DD`, or null when the entry never expires. */
  expires: string | null;
  /** `file:line:col` of the entry in the suppressions file. */
  source: string;
}

/** A finding as reported: where it came from, its identity, baseline state and suppression. */
export interface ReportFinding {
  /** Id of the findings artifact it belongs to. */
  artifact: string;
  finding: Finding;
  /** `findingIdentity` (with occurrence): what suppressions and baselines match. */
  identity: string;
  /** Null without a baseline. */
  state: BaselineState | null;
  suppression: AppliedSuppression | null;
}

/** One findings artifact of the run: its coverage and the scan's own summary. */
export interface ReportArtifact {
  id: string;
  coverage: InputCoverage[];
  findings_truncated: number;
  evidence_omitted: number;
  fingerprint: PersonalDataOutput["fingerprint"];
  rules: string[];
}

/** A suppression entry that no longer applies because its date passed. */
export interface ExpiredSuppression {
  source: string;
  expires: string;
  reason: string;
}

/** What a report says about the run besides its findings. */
export interface ReportContext {
  run: {
    run_id: string;
    runbook_path: string;
    status: string;
    started_at: string;
    completed_at: string | null;
  };
  artifacts: ReportArtifact[];
  /** Run id of the baseline, when one was given. */
  baseline_run: string | null;
  expired_suppressions: ExpiredSuppression[];
  /** ISO time the report was made. */
  generated_at: string;
  /** wct's version, for SARIF `tool.driver.version`. */
  tool_version: string;
}

/** Output formats of `wct report`. */
export type ReportFormat = "sarif" | "html" | "md" | "csv" | "json";
