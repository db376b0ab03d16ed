import { ComponentError } from "@wct/plugin-api";

/** Stable codes of the errors the filesystem connector raises. */
export const SourceErrorCode = {
  /** The `path` to scan does not exist. */
  NotFound: "ERR_SOURCE_NOT_FOUND",
  /** The `path` exists but cannot be read (permissions, not a file or folder). */
  Unreadable: "ERR_SOURCE_UNREADABLE",
} as const;

/** One of {@link SourceErrorCode}. */
export type SourceErrorCode = (typeof SourceErrorCode)[keyof typeof SourceErrorCode];

/** An error of the connector: a stable `code` and a message saying what to do. */
export class SourceError extends ComponentError {
  declare readonly code: SourceErrorCode;

  constructor(code: SourceErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = "SourceError";
  }
}
