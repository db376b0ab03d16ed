import { IndexHeap } from "../heap.js";

/**
 * Runs ready artifacts (lowest plan index first) with at most `maxConcurrency` at
 * once until none is ready and none runs, or `stop` is aborted and the running ones
 * have settled. `run` resolves with the artifacts its completion made ready; if it
 * rejects, `onUnexpected` gets the error (the run then stops). `bind` receives
 * `startNow(i)`, which runs an artifact that is not ready yet (a live consumer of a
 * stream being written) at once when the concurrency allows, and says whether it did.
 */
export function schedule(options: {
  ready: Iterable<number>;
  maxConcurrency: number;
  stop: AbortSignal;
  run: (i: number) => Promise<Iterable<number>>;
  onUnexpected: (error: unknown) => void;
  bind?: (startNow: (i: number) => boolean) => void;
}): Promise<void> {
  const { stop, run } = options;
  const heap = new IndexHeap();
  for (const i of options.ready) heap.push(i);
  const maxConcurrency = Math.max(1, options.maxConcurrency);
  let running = 0;
  return new Promise<void>((resolve) => {
    const launch = (i: number) => {
      running++;
      void run(i)
        .then((next) => {
          for (const d of next) heap.push(d);
        })
        .catch(options.onUnexpected)
        .finally(() => {
          running--;
          pump();
        });
    };
    const pump = () => {
      while (!stop.aborted && running < maxConcurrency && heap.size > 0) launch(heap.pop()!);
      if (running === 0 && (stop.aborted || heap.size === 0)) resolve();
    };
    options.bind?.((i) => {
      if (stop.aborted || running >= maxConcurrency) return false;
      launch(i);
      return true;
    });
    stop.addEventListener("abort", pump, { once: true });
    pump();
  });
}
