/** Error of the personal-data processor; `code` is stable, the message never holds a scanned value. */
export class PersonalDataError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "PersonalDataError";
    this.code = code;
  }
}
