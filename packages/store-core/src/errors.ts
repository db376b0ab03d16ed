/**
 * What an error code means for whoever called: `input` (the caller must change a flag,
 * a runbook, a run id or an option), `conflict` (another live process holds what was
 * asked for), `interrupted` (stopped on request), `failure` (the work or the machine
 * failed). Every package that defines error codes declares the class of each next to
 * them; the CLI derives its exit codes (2, 3, 130, 1) from these classes alone.
 */
export type ErrorClass = "input" | "conflict" | "interrupted" | "failure" | "findings";

/**
 * One package's error codes, each with its {@link ErrorClass}, declared once: `codes`
 * maps each name to its code (`{ RunLocked: "ERR_RUN_LOCKED" }`), `classes` each code to
 * its class. JSDoc written on an entry shows on its name in `codes`.
 *
 * ```ts
 * const { codes, classes } = defineErrorCodes({ RunLocked: ["ERR_RUN_LOCKED", "conflict"] });
 * ```
 */
export function defineErrorCodes<
  const T extends Record<string, readonly [code: `ERR_${string}`, errorClass: ErrorClass]>,
>(
  entries: T,
): {
  codes: { readonly [K in keyof T]: T[K][0] };
  classes: { readonly [K in keyof T as T[K][0]]: T[K][1] };
} {
  const codes: Record<string, string> = {};
  const classes: Record<string, ErrorClass> = {};
  for (const [name, [code, errorClass]] of Object.entries(entries)) {
    codes[name] = code;
    classes[code] = errorClass;
  }
  return {
    codes: Object.freeze(codes) as { readonly [K in keyof T]: T[K][0] },
    classes: Object.freeze(classes) as { readonly [K in keyof T as T[K][0]]: T[K][1] },
  };
}

const storeErrors = defineErrorCodes({
  /** `get`/`getJson`/`delete` of a key that holds nothing. */
  ArtifactNotFound: ["ERR_ARTIFACT_NOT_FOUND", "input"],
  /** A store key that breaks the key rules (see {@link validateKey}). */
  InvalidKey: ["ERR_INVALID_KEY", "input"],
  /** A run id that breaks the run-id rules (see {@link validateRunId}). */
  InvalidRunId: ["ERR_INVALID_RUN_ID", "input"],
  /** Stored bytes that are not JSON, or not the expected shape. */
  CorruptEntry: ["ERR_CORRUPT_ENTRY", "failure"],
  /** A value that cannot be stored (not JSON-serialisable, not a Message). */
  InvalidValue: ["ERR_INVALID_VALUE", "failure"],
  /** Backend options that make no sense (checked when the store is created). */
  InvalidOptions: ["ERR_STORE_OPTIONS", "input"],
  /** A path inside the store is a link or otherwise leads outside it; refused. */
  UnsafePath: ["ERR_UNSAFE_PATH", "failure"],
  /**
   * Where a stored value should be, something other than a regular file sits (a FIFO,
   * socket or device): refused without reading it, since reading could block forever.
   */
  NotAFile: ["ERR_NOT_A_FILE", "failure"],
  /** The backend itself failed (I/O error, permission, network). */
  Backend: ["ERR_STORE_BACKEND", "failure"],
});

/**
 * Stable error codes raised by every ArtifactStore. Callers branch on `code`, never on
 * the message text.
 */
export const StoreErrorCode = storeErrors.codes;

export type StoreErrorCode = (typeof StoreErrorCode)[keyof typeof StoreErrorCode];

/** The {@link ErrorClass} of every {@link StoreErrorCode}. */
export const StoreErrorClass = storeErrors.classes;

// What a reader can do about a stored value that is corrupt (package-internal).
export const CORRUPT_HINT = "Delete the run or rerun the artifact.";

/**
 * Error raised by a store; `code` is stable, `message` says what, where and what to do:
 * the `problem`, then the `hint` when one is given.
 */
export class StoreError extends Error {
  readonly code: StoreErrorCode;
  /** Run the error concerns, when there is one. */
  readonly runId: string | undefined;
  /** Key the error concerns, when there is one. */
  readonly key: string | undefined;
  /** What is wrong and where: the message without its {@link StoreError.hint}. */
  readonly problem: string;
  /**
   * What to do about it (`Delete the run or rerun the artifact.`), when the store knows.
   * Kept apart so that an error wrapping this one, with advice of its own for its
   * context, can show the {@link StoreError.problem} alone (see {@link errorProblem}).
   */
  readonly hint: string | undefined;

  constructor(
    code: StoreErrorCode,
    problem: string,
    options: { runId?: string; key?: string; cause?: unknown; hint?: string } = {},
  ) {
    super(
      options.hint === undefined ? problem : `${problem}. ${options.hint}`,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = "StoreError";
    this.code = code;
    this.runId = options.runId;
    this.key = options.key;
    this.problem = problem;
    this.hint = options.hint;
  }
}

/**
 * What an error says is wrong, without the advice it gives: the `problem` of an error
 * that keeps its advice apart (a {@link StoreError} with a `hint`), else its message.
 * For an error that wraps another (keeping it as `cause`) and says what to do itself,
 * so that the user reads one piece of advice, the one that fits.
 */
export function errorProblem(error: unknown): string {
  const problem = (error as { problem?: unknown } | null)?.problem;
  if (typeof problem === "string") return problem;
  return error instanceof Error ? error.message : String(error);
}

/** True when `error` is a {@link StoreError} with the given code. */
export function isStoreError(error: unknown, code?: StoreErrorCode): error is StoreError {
  return error instanceof StoreError && (code === undefined || error.code === code);
}
