import { ComponentError } from "@wct/plugin-api";
import { defineErrorCodes } from "@wct/store-core/errors";

/** Stable codes of the errors the personal-data processor raises; each fails its artifact. */
export const PersonalDataErrorCode = {
  /** `WCT_FINGERPRINT_KEY` is set but too short to be a secret. */
  FingerprintKey: "ERR_PERSONAL_DATA_FINGERPRINT_KEY",
  /** The processor's properties do not validate (when called directly, not through a runbook). */
  Properties: "ERR_PERSONAL_DATA_PROPERTIES",
  /** An input holds neither `files[]` nor `tables[]`. */
  UnsupportedInput: "ERR_PERSONAL_DATA_UNSUPPORTED_INPUT",
  /** A scanning thread failed or exited while files were sent to it. */
  ScanFailed: "ERR_PERSONAL_DATA_SCAN_FAILED",
} as const;

/** One of {@link PersonalDataErrorCode}. */
export type PersonalDataErrorCode =
  (typeof PersonalDataErrorCode)[keyof typeof PersonalDataErrorCode];

/** Error of the personal-data processor; `code` is stable, the message never holds a scanned value. */
export class PersonalDataError extends ComponentError {
  constructor(code: PersonalDataErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = "PersonalDataError";
  }
}

const labelledSetErrors = defineErrorCodes({
  /** The labelled set is missing, unreadable or not in a known format. */
  Input: ["ERR_EVAL_INPUT", "input"],
});

/** Stable codes of the errors `wct eval` raises while reading a labelled set. */
export const LabelledSetErrorCode = labelledSetErrors.codes;

/** Exit class of every {@link LabelledSetErrorCode}: each is bad input from the user. */
export const LabelledSetErrorClass = labelledSetErrors.classes;

/** A labelled set that cannot be scored; `code` is stable. */
export class LabelledSetError extends Error {
  readonly code = LabelledSetErrorCode.Input;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "LabelledSetError";
  }
}
