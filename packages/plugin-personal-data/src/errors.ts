import { ComponentError } from "@wct/plugin-api";

/** Stable codes of the errors the personal-data processor raises; each fails its artifact. */
export const PersonalDataErrorCode = {
  /** `WCT_FINGERPRINT_KEY` is set but too short to be a secret. */
  FingerprintKey: "ERR_PERSONAL_DATA_FINGERPRINT_KEY",
  /** The processor's properties do not validate (when called directly, not through a runbook). */
  Properties: "ERR_PERSONAL_DATA_PROPERTIES",
  /** An input holds neither `files[]` nor `tables[]`. */
  UnsupportedInput: "ERR_PERSONAL_DATA_UNSUPPORTED_INPUT",
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
