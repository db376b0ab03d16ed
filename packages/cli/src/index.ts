export { type CliContext, type CliIo, DEFAULT_STORE, storeSpec } from "./context.js";
export { ExitCode, exitCodeFor, formatError, UsageError } from "./errors.js";
export { createProgram, main } from "./program.js";
