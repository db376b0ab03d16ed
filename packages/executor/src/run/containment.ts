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
 *   or a fault of wct itself) goes to `onUntraced`, which fails the run; with several
 *   runs under way in the process, each of them, since it may be any one's.
 *
 * Node's own handling (print and exit) is restored by {@link Containment.dispose} of
 * the last run under way.
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

/** A run under way, as the shared handlers know it. */
interface ContainedRun {
  onUntraced(error: ExecutorError): void;
}

interface Traced {
  owner: CrashOwner;
  run: ContainedRun;
}

/**
 * What every run under way in this process shares: one AsyncLocalStorage, one listener
 * for each of Node's two events, and one wrapper around `process.exit`. Installed with
 * the first run and removed with the last, so that runs side by side (a server, a
 * test, a script calling `runPlan` in a loop) neither blame each other for a failure
 * nor pile up listeners.
 */
const shared: {
  runs: Set<ContainedRun>;
  owners: AsyncLocalStorage<Traced> | undefined;
  exit: typeof process.exit | undefined;
  containedExit: typeof process.exit | undefined;
} = { runs: new Set(), owners: undefined, exit: undefined, containedExit: undefined };

/** The artifact whose code is running now, when its run is still under way. */
function tracedNow(): Traced | undefined {
  const traced = shared.owners?.getStore();
  return traced !== undefined && shared.runs.has(traced.run) ? traced : undefined;
}

// A failure traced to an artifact fails that artifact; one that cannot be traced (or is
// traced to a run already over) may be any run's, so every run under way fails.
const escaped = (how: string) => (value: unknown) => {
  const traced = tracedNow();
  const error = crashed(traced?.owner.artifactId, `${how}: ${describeEscaped(value)}`);
  if (traced) traced.owner.fail(error);
  else for (const run of [...shared.runs]) run.onUntraced(error);
};
const onException = escaped("threw an exception nothing caught");
const onRejection = escaped("left a promise rejection unhandled");

function install(): void {
  shared.owners = new AsyncLocalStorage<Traced>();
  const exit = process.exit;
  const containedExit = ((code?: number | string | null) => {
    const traced = tracedNow();
    if (!traced) return exit.call(process, code as number);
    const error = crashed(traced.owner.artifactId, `called process.exit(${String(code ?? "")})`);
    traced.owner.fail(error);
    throw error;
  }) as typeof process.exit;
  shared.exit = exit;
  shared.containedExit = containedExit;
  process.on("uncaughtException", onException);
  process.on("unhandledRejection", onRejection);
  process.exit = containedExit;
}

function uninstall(): void {
  // An enabled AsyncLocalStorage stays in Node's list of stores for good: each one left
  // behind makes every promise the process creates afterwards slower (a process running
  // many runs, as a server or a test worker does, slowed to a crawl).
  shared.owners?.disable();
  shared.owners = undefined;
  process.off("uncaughtException", onException);
  process.off("unhandledRejection", onRejection);
  if (shared.exit !== undefined && process.exit === shared.containedExit) {
    process.exit = shared.exit;
  }
  shared.exit = undefined;
  shared.containedExit = undefined;
}

/**
 * Contains the components of one run until {@link Containment.dispose}; see
 * {@link Containment}. The handlers are the process's, shared by every run under way
 * and removed with the last one; Node's own handling (print and exit) then returns.
 */
export function containComponents(onUntraced: (error: ExecutorError) => void): Containment {
  const run: ContainedRun = { onUntraced };
  if (shared.runs.size === 0) install();
  shared.runs.add(run);
  return {
    run: (owner, work) => {
      const owners = shared.owners;
      return owners === undefined ? work() : owners.run({ owner, run }, work);
    },
    dispose() {
      if (!shared.runs.delete(run)) return;
      if (shared.runs.size === 0) uninstall();
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
