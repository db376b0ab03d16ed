import { ExecutorError, ExecutorErrorCode } from "../errors.js";

function rejectNonJson(_key: string, value: unknown): unknown {
  if (typeof value === "function" || typeof value === "symbol") {
    throw new TypeError(`a ${typeof value} is not JSON`);
  }
  return value;
}

/**
 * JSON text of a component's output, so what is stored, hashed and handed downstream
 * is exactly what a reader gets back. `undefined`, functions, symbols, BigInt and
 * cycles are `ERR_INVALID_OUTPUT`; `undefined` object members are dropped as JSON does.
 */
export function toJsonText(value: unknown, artifactId: string, producer: string): string {
  let text: string | undefined;
  let why = "";
  try {
    text = JSON.stringify(value, rejectNonJson);
    why = `got ${typeof value}`;
  } catch (error) {
    why = (error as Error).message;
  }
  if (text === undefined) {
    throw new ExecutorError(
      ExecutorErrorCode.InvalidOutput,
      `artifact "${artifactId}": ${producer} returned a value that is not JSON (${why}). Components must return plain JSON data.`,
      { details: { artifact: artifactId } },
    );
  }
  return text;
}
