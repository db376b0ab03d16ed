import { AsyncLocalStorage } from "node:async_hooks";
import { ExecutorError, ExecutorErrorCode } from "../errors.js";
import type { ArtifactError } from "./types.js";

/** Who answers for code running on behalf of one artifact. */
export interface CrashOwner {
  readonly artifactId: string;
  /** Fails the artifact with `error` (a no-op once it has finished). */
  fail(error: ExecutorError): void;
}

/**
 * While a run goes on, a component's escaped failure fails its artifact instead of
 * the process:
 *
 * - an uncaught exception (a `setTimeout` callback that throws) or an unhandled
 *   rejection is traced to the artifact whose code scheduled it (through
 *   AsyncLocalStorage) and fails that artifact with `ERR_COMPONENT_CRASHED`;
 * - `process.exit()` called by a component does not exit: it fails the artifact with
 *   `ERR_COMPONENT_CRASHED` and throws that error into the component;
 * - one that cannot be traced to an artifact (scheduled by a plugin module at import,
 *   or a fault of wct itself) goes to `onUntraced`, which fails the run.
 *
 * Node's own handling (print and exit) is restored by {@link Containment.dispose}.
 */
export interface Containment {
  /**
   * Runs `work` (a component call, or the setup of what calls into the component later,
   * such as its artifact's timeout timer) on behalf of `owner`.
   */
  run<T>(owner: CrashOwner, work: () => T): T;
  dispose(): void;
}

function crashed(artifactId: string | undefined, what: string): ExecutorError {
  const subject =
    artifactId === undefined ? "a plugin" : `the component of artifact "${artifactId}"`;
  return new ExecutorError(
    ExecutorErrorCode.ComponentCrashed,
    `${subject} ${what}; the ${artifactId === undefined ? "run" : "artifact"} failed, and what completed is saved. Fix the component, then resume the run.`,
    { details: artifactId === undefined ? {} : { artifact: artifactId } },
  );
}

function describeEscaped(value: unknown): string {
  try {
    if (value instanceof Error) return `${value.name}: ${value.message}`;
    return typeof value === "string" ? value : (JSON.stringify(value) ?? String(value));
  } catch {
    return "a value that cannot be read";
  }
}

/** Installs the process-wide handlers; see {@link Containment}. One per run. */
export function containComponents(onUntraced: (error: ExecutorError) => void): Containment {
  const owners = new AsyncLocalStorage<CrashOwner>();
  const escaped = (how: string) => (value: unknown) => {
    const owner = owners.getStore();
    const error = crashed(owner?.artifactId, `${how}: ${describeEscaped(value)}`);
    if (owner) owner.fail(error);
    else onUntraced(error);
  };
  const onException = escaped("threw an exception nothing caught");
  const onRejection = escaped("left a promise rejection unhandled");
  const exit = process.exit;
  const containedExit = ((code?: number | string | null) => {
    const owner = owners.getStore();
    if (!owner) return exit.call(process, code as number);
    const error = crashed(owner.artifactId, `called process.exit(${String(code ?? "")})`);
    owner.fail(error);
    throw error;
  }) as typeof process.exit;
  process.on("uncaughtException", onException);
  process.on("unhandledRejection", onRejection);
  process.exit = containedExit;
  return {
    run: (owner, work) => owners.run(owner, work),
    dispose() {
      // An enabled AsyncLocalStorage stays in Node's list of stores for good: each one
      // left behind makes every promise the process creates afterwards slower (a process
      // running many runs, as a server or a test worker does, slowed to a crawl).
      owners.disable();
      process.off("uncaughtException", onException);
      process.off("unhandledRejection", onRejection);
      if (process.exit === containedExit) process.exit = exit;
    },
  };
}

/**
 * `classify()` of a thrown value, or — when reading the value throws again (a Proxy
 * whose traps throw, even on `instanceof`) — a plain failure of the artifact.
 */
export function classifySafely(artifactId: string, classify: () => ArtifactError): ArtifactError {
  try {
    return classify();
  } catch {
    return {
      code: ExecutorErrorCode.ComponentFailed,
      message: `artifact "${artifactId}": its component threw a value that cannot be read (a Proxy or an object whose properties throw)`,
    };
  }
}
