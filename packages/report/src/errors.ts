import { defineErrorCodes } from "@wct/store-core/errors";

const reportErrors = defineErrorCodes({
  /** The artifact named is not a personal-data findings artifact. */
  NotFindings: ["ERR_REPORT_NOT_FINDINGS", "input"],
  /** The suppressions file has problems (each with file:line:col). */
  SuppressionsInvalid: ["ERR_SUPPRESSIONS_INVALID", "input"],
  /** The suppressions file named does not exist or cannot be read. */
  SuppressionsNotFound: ["ERR_SUPPRESSIONS_NOT_FOUND", "input"],
});

/** Stable codes of the errors `@wct/report` raises. */
export const ReportErrorCode = reportErrors.codes;

/** One of {@link ReportErrorCode}. */
export type ReportErrorCode = (typeof ReportErrorCode)[keyof typeof ReportErrorCode];

/** Exit class of every {@link ReportErrorCode}: each is bad input the user must change. */
export const ReportErrorClass = reportErrors.classes;
