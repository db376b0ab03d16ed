import type { ProgressReport } from "@wct/plugin-api";
import type { RunEvent } from "./types.js";

/** Least time between two progress events of one artifact. */
export const PROGRESS_INTERVAL_MS = 250;

/** Progress of one artifact, throttled into `artifact_progress` events. */
export interface ProgressTracker {
  /** What the component reports; wins over what the engine counts. */
  report(report: ProgressReport): void;
  /** What the engine counts as it stores records, used while the component reports nothing. */
  count(records: number, bytes: number): void;
  /** Sends the last report held back by the throttle, if any. */
  flush(): void;
}

export function createProgressTracker(
  id: string,
  emit: (event: RunEvent) => void,
  clock: () => number = () => performance.now(),
  intervalMs = PROGRESS_INTERVAL_MS,
): ProgressTracker {
  let last = Number.NEGATIVE_INFINITY;
  let pending: RunEvent | undefined;
  let fromComponent = false;
  const offer = (event: RunEvent) => {
    const at = clock();
    if (at - last >= intervalMs) {
      last = at;
      pending = undefined;
      emit(event);
    } else {
      pending = event;
    }
  };
  const count = (n: unknown) => (typeof n === "number" && Number.isFinite(n) && n >= 0 ? n : null);
  return {
    report(report) {
      const items = count(report?.items);
      if (items === null) return;
      fromComponent = true;
      offer({
        type: "artifact_progress",
        id,
        items,
        items_total: count(report.itemsTotal),
        bytes: count(report.bytes),
        bytes_total: count(report.bytesTotal),
        unit: typeof report.unit === "string" && report.unit ? report.unit : "records",
      });
    },
    count(records, bytes) {
      if (fromComponent) return;
      offer({
        type: "artifact_progress",
        id,
        items: records,
        items_total: null,
        bytes,
        bytes_total: null,
        unit: "records",
      });
    },
    flush() {
      if (pending) {
        const event = pending;
        pending = undefined;
        last = clock();
        emit(event);
      }
    },
  };
}
