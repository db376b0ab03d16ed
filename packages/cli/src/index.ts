export { type CliContext, type CliIo, DEFAULT_STORE, storeSpec } from "./context.js";
export {
  CliErrorClass,
  CliErrorCode,
  ExitCode,
  errorClassOf,
  exitCodeFor,
  formatError,
  UsageError,
} from "./errors.js";
export { createProgram, main } from "./program.js";
