import { ExecutorError, ExecutorErrorCode } from "../errors.js";

// Everything JSON.stringify would silently drop or change: the stored content would
// differ from what the component returned.
function rejectNonJson(this: unknown, _key: string, value: unknown): unknown {
  // JSON.stringify writes `undefined` (or a hole) in an array as null: a value the
  // component never returned.
  if (value === undefined && Array.isArray(this)) {
    throw new TypeError("undefined inside an array is not JSON (use null)");
  }
  if (typeof value === "function" || typeof value === "symbol") {
    throw new TypeError(`a ${typeof value} is not JSON`);
  }
  if (typeof value === "number" && !Number.isFinite(value)) {
    throw new TypeError(`${value} is not a JSON number`);
  }
  if (
    value instanceof Map ||
    value instanceof Set ||
    value instanceof WeakMap ||
    value instanceof WeakSet
  ) {
    throw new TypeError(
      `a ${value.constructor.name} is not JSON (convert it to an object or array)`,
    );
  }
  return value;
}

/**
 * JSON text of a component's output, so what is stored, hashed and handed downstream
 * is exactly what a reader gets back. `undefined`, functions, symbols, BigInt, NaN and
 * Infinity, Maps and Sets, and cycles are `ERR_INVALID_OUTPUT`; `undefined` object
 * members are dropped as JSON does; `undefined` (or a hole) inside an array is refused.
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
