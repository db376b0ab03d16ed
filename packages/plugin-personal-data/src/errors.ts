import { ComponentError } from "@wct/plugin-api";

/** Error of the personal-data processor; `code` is stable, the message never holds a scanned value. */
export class PersonalDataError extends ComponentError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = "PersonalDataError";
  }
}
