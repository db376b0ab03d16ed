import { performance } from "node:perf_hooks";
import { setTimeout as delay } from "node:timers/promises";

/**
 * Coalesces state checkpoints: at most one write in flight, and at most one pending
 * that writes the latest state when the current one ends. The state is built when a
 * write starts (not when it is requested), so however many artifacts end during a
 * write, the next write covers all of them.
 *
 * Writes are also paced: after a write that took `d` ms the next one starts no sooner
 * than `gapFactor × d` ms later. The state grows with the run, so without pacing a
 * long chain of quick artifacts would rewrite an ever larger state after nearly every
 * artifact (quadratic); with it, checkpointing takes at most 1 / (1 + gapFactor) of
 * the run's time whatever its size, and a crash loses at most the artifacts of the
 * last few write durations (they run again on resume).
 *
 * A failed write does not stop later ones: each write holds the whole state, so the
 * next one makes good a transient failure (a full disk for a moment) instead of the
 * run going on without checkpoints and ending in that error.
 */
export interface Checkpointer {
  /** Asks for the current state to be written soon. Never throws. */
  request(): void;
  /**
   * Waits for the writes in flight or pending. When the last one failed it writes once
   * more, so a transient failure is made good, and rethrows if that fails too.
   */
  settle(): Promise<void>;
  /** Number of writes started so far. */
  readonly writes: number;
}

export function createCheckpointer(write: () => Promise<void>, gapFactor = 2): Checkpointer {
  let running: Promise<void> | undefined;
  let pending = false;
  let settling = false;
  // Error of the latest write; cleared by a write that succeeds.
  let failure: unknown;
  let failed = false;
  let writes = 0;
  let gapMs = 0;
  const wake = new AbortController();

  async function drain(): Promise<void> {
    // Yield once so that artifacts ending in the same tick share one write.
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (pending) {
      if (gapMs > 0 && !settling)
        await delay(gapMs, undefined, { signal: wake.signal }).catch(() => {});
      pending = false;
      writes++;
      const start = performance.now();
      try {
        await write();
        failed = false;
        failure = undefined;
      } catch (error) {
        failed = true;
        failure = error;
      }
      gapMs = (performance.now() - start) * gapFactor;
    }
    running = undefined;
  }

  return {
    request() {
      pending = true;
      running ??= drain();
    },
    async settle() {
      // The final state is written by the caller right after: skip the pacing wait.
      settling = true;
      wake.abort();
      while (running) await running;
      if (failed) {
        pending = true;
        running = drain();
        await running;
      }
      if (failed) throw failure;
    },
    get writes() {
      return writes;
    },
  };
}
