import { randomBytes } from "node:crypto";
import { hostname as osHostname } from "node:os";
import type { ArtifactStore } from "@wct/store-core";
import { isStoreError, StoreErrorCode } from "@wct/store-core/errors";
import { ExecutorError, ExecutorErrorCode } from "../errors.js";
import { LOCK_KEY } from "./layout.js";
import type { LeaseHolder } from "./types.js";

/** `_system/lock`: who runs the run, until when. */
export interface LeaseRecord extends LeaseHolder {
  run_id: string;
  /** Random token: tells this lease from a later one of the same pid. */
  owner: string;
}

export interface LeaseOptions {
  ttlMs?: number;
  heartbeatMs?: number;
  now?: () => Date;
}

/** The lease of one process on one run, renewed in the background until released. */
export interface RunLease {
  readonly record: LeaseRecord;
  /** The stale lease that was taken over to get this one, if any. */
  readonly tookOver: LeaseHolder | undefined;
  /** Aborted (reason: an `ERR_LEASE_LOST` ExecutorError) when another process took the lease. */
  readonly lost: AbortSignal;
  /** Stops renewing and deletes the lock if it is still ours. Never throws. */
  release(): Promise<void>;
}

export const DEFAULT_LEASE_TTL_MS = 30_000;
export const DEFAULT_HEARTBEAT_MS = 10_000;

/** Whether a process with this pid exists on this host (EPERM means it does). */
export function isPidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== "ESRCH";
  }
}

/**
 * A lock is stale when its holder cannot renew it any more: the holder ran on this
 * host and its pid is gone, or (any host) it was not renewed before `expires`.
 */
export function isLeaseStale(lock: Partial<LeaseRecord>, now: Date, hostname: string): boolean {
  const expires = typeof lock.expires === "string" ? Date.parse(lock.expires) : Number.NaN;
  if (Number.isNaN(expires) || expires <= now.getTime()) return true;
  return lock.hostname === hostname && typeof lock.pid === "number" && !isPidAlive(lock.pid);
}

function holderOf(lock: Partial<LeaseRecord>): LeaseHolder {
  return {
    pid: lock.pid ?? 0,
    hostname: lock.hostname ?? "unknown",
    started: lock.started ?? "unknown",
    heartbeat: lock.heartbeat ?? "unknown",
    expires: lock.expires ?? "unknown",
  };
}

function lockedError(runId: string, lock: Partial<LeaseRecord>): ExecutorError {
  if (lock.pid === undefined && lock.hostname === undefined) {
    // The lock changed hands while we looked: no holder to name.
    return new ExecutorError(
      ExecutorErrorCode.RunLocked,
      `run ${runId} is being taken by another process at this very moment (its lock changed while this one tried to take it). Run \`wct runs\` to see its status, and resume it once that process is done.`,
      { details: { run_id: runId, holder: null } },
    );
  }
  const holder = holderOf(lock);
  return new ExecutorError(
    ExecutorErrorCode.RunLocked,
    `run ${runId} is held by process ${holder.pid} on ${holder.hostname} (started ${holder.started}, last heartbeat ${holder.heartbeat}, lease expires ${holder.expires}). Wait for it to finish or stop that process; once it is gone (or its lease expires) the run can be resumed.`,
    {
      details: {
        run_id: runId,
        holder: {
          pid: holder.pid,
          hostname: holder.hostname,
          started: holder.started,
          heartbeat: holder.heartbeat,
        },
      },
    },
  );
}

/**
 * Takes the lease of a run: creates `_system/lock` atomically, or takes over a stale
 * lock with a compare-and-replace so that exactly one of several racers wins. A live
 * lock, or losing the race, is `ERR_RUN_LOCKED` naming the holder.
 */
export async function acquireRunLease(
  store: ArtifactStore,
  runId: string,
  options: LeaseOptions = {},
): Promise<RunLease> {
  const ttlMs = options.ttlMs ?? DEFAULT_LEASE_TTL_MS;
  // A lease renewed less often than it lasts lapses while its holder is alive, and
  // anyone may then take the run over: renew at least three times per ttl.
  const heartbeatMs = Math.min(options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS, ttlMs / 3);
  const now = options.now ?? (() => new Date());
  const hostname = osHostname();
  const owner = randomBytes(16).toString("hex");
  const started = now();
  const fresh = (): LeaseRecord => {
    const at = now();
    return {
      pid: process.pid,
      hostname,
      started: started.toISOString(),
      heartbeat: at.toISOString(),
      expires: new Date(at.getTime() + ttlMs).toISOString(),
      run_id: runId,
      owner,
    };
  };

  let record = fresh();
  let tookOver: LeaseHolder | undefined;
  // A lock released between our create and our read is simply retried.
  for (let tries = 0; ; tries++) {
    if (await createLock(store, runId, record)) break;
    const current = await readLock(store, runId);
    if (current === undefined) {
      if (tries < 3) continue;
      throw lockedError(runId, {});
    }
    if (!isLeaseStale(current.value, now(), hostname)) throw lockedError(runId, current.value);
    record = fresh();
    if (!(await store.replaceJson(runId, LOCK_KEY, current.version, record))) {
      const winner = await readLock(store, runId);
      if (winner?.corrupt && winner.version === current.version)
        throw corruptLockError(store, runId);
      throw lockedError(runId, winner?.value ?? {});
    }
    tookOver = holderOf(current.value);
    break;
  }

  const lost = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let beating: Promise<void> = Promise.resolve();
  let released = false;

  const loseLease = (found: LockRead | undefined) => {
    if (lost.signal.aborted) return;
    const by = found?.corrupt ? undefined : found?.value;
    const who = by
      ? `process ${by.pid ?? "?"} on ${by.hostname ?? "?"}`
      : found === undefined
        ? "someone (the lock was removed)"
        : "someone (the lock no longer holds a lease)";
    lost.abort(
      new ExecutorError(
        ExecutorErrorCode.LeaseLost,
        `lost the lease of run ${runId}: ${who} took it over, probably because this process stopped renewing it for longer than ${ttlMs} ms. This process stops; resume the run once the other process is done.`,
        { details: { run_id: runId, holder: by ? holderOf(by) : null } },
      ),
    );
  };

  const renew = async () => {
    for (let tries = 0; tries < 3 && !released; tries++) {
      const current = await readLock(store, runId);
      if (current === undefined || current.value.owner !== owner) {
        loseLease(current);
        return;
      }
      const at = now();
      const next: LeaseRecord = {
        ...record,
        heartbeat: at.toISOString(),
        expires: new Date(at.getTime() + ttlMs).toISOString(),
      };
      if (await store.replaceJson(runId, LOCK_KEY, current.version, next)) {
        record = next;
        return;
      }
    }
  };

  const schedule = () => {
    timer = setTimeout(() => {
      beating = renew()
        // A failing backend gets another chance at the next beat; if the lease expires
        // meanwhile and someone takes over, the next beat notices.
        .catch(() => {})
        .finally(() => {
          if (!released && !lost.signal.aborted) schedule();
        });
    }, heartbeatMs);
    timer.unref();
  };
  schedule();

  return {
    get record() {
      return record;
    },
    tookOver,
    lost: lost.signal,
    async release() {
      released = true;
      clearTimeout(timer);
      await beating;
      try {
        const current = await readLock(store, runId);
        if (current?.value.owner === owner) await store.delete(runId, LOCK_KEY);
      } catch {
        // Best effort: an unreleased lock expires after ttlMs and is taken over.
      }
    },
  };
}

/** A lock as read: its value (`{}` when it is not JSON) and the version to replace it. */
interface LockRead {
  value: Partial<LeaseRecord>;
  version: string;
  /** The stored bytes are not JSON (truncated, garbage): no holder can renew such a lock. */
  corrupt: boolean;
}

function corruptLockError(store: ArtifactStore, runId: string): ExecutorError {
  return new ExecutorError(
    ExecutorErrorCode.RunCorrupt,
    `the lock of run ${runId} (${store.describe(runId, LOCK_KEY)}) is not valid JSON and the ${store.backend} store would not let it be replaced. If no process is running this run, delete that file and resume.`,
    { details: { run_id: runId } },
  );
}

/** `createJson` of the lock; a folder, link or special file in its place is unusable. */
async function createLock(store: ArtifactStore, runId: string, record: LeaseRecord) {
  try {
    return await store.createJson(runId, LOCK_KEY, record);
  } catch (error) {
    if (isNotARegularFile(error)) {
      throw unusableLockError(
        store,
        runId,
        "not a file wct wrote (a folder, a symbolic link, a FIFO or a device)",
      );
    }
    throw error;
  }
}

// A link, folder, FIFO or device where the lock file should be: no wct process wrote it.
function isNotARegularFile(error: unknown): boolean {
  return (
    isStoreError(error, StoreErrorCode.UnsafePath) || isStoreError(error, StoreErrorCode.NotAFile)
  );
}

function unusableLockError(store: ArtifactStore, runId: string, what: string): ExecutorError {
  return new ExecutorError(
    ExecutorErrorCode.LockUnusable,
    `the lock of run ${runId} (${store.describe(runId, LOCK_KEY)}) is ${what}, which no wct process writes: it is not a live lease, and wct does not remove it by itself. If no process is running this run, remove it (rm -r) and resume.`,
    { details: { run_id: runId } },
  );
}

/** The lock as JSON; `"corrupt"` when its bytes are not JSON. */
async function readLockJson(
  store: ArtifactStore,
  runId: string,
): Promise<LockRead | undefined | "corrupt"> {
  try {
    const current = await store.readJsonVersioned<Partial<LeaseRecord>>(runId, LOCK_KEY);
    if (current === undefined) return undefined;
    const value = current.value !== null && typeof current.value === "object" ? current.value : {};
    return { value, version: current.version, corrupt: false };
  } catch (error) {
    if (isNotARegularFile(error)) {
      throw unusableLockError(
        store,
        runId,
        "not a file wct wrote (a symbolic link, a FIFO or a device)",
      );
    }
    if (!isStoreError(error, StoreErrorCode.CorruptEntry)) throw error;
    return "corrupt";
  }
}

async function readLock(store: ArtifactStore, runId: string): Promise<LockRead | undefined> {
  const first = await readLockJson(store, runId);
  if (first !== "corrupt") return first;
  // Not JSON. Every store write is atomic, so no live holder leaves such a lock: it
  // has no expiry, so like a lock without one it is stale and is taken over (with the
  // same compare-and-replace, so one racer wins). The store names stored bytes by
  // their sha256, which `digest` reports; should a store not, the replace is refused
  // and the caller reports the corrupt lock.
  const digest = await store.digest(runId, LOCK_KEY);
  if (digest === undefined) return undefined;
  // The digest is a second read: a racer may have taken the lock over in between, and
  // its valid lease must not be "taken over" as corrupt bytes. Locks only ever go from
  // garbage to JSON, so bytes still garbage now were garbage when digested.
  const again = await readLockJson(store, runId);
  if (again !== "corrupt") return again;
  return { value: {}, version: digest.replace(/^sha256:/, ""), corrupt: true };
}
