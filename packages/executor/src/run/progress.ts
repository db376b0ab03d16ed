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
  let fromComponent = false;
  // What the throttle holds back, as plain fields turned into an event only when it is
  // sent: a database reports a million rows, and an event per row is as many objects.
  let held = false;
  let items = 0;
  let itemsTotal: number | null = null;
  let bytes: number | null = null;
  let bytesTotal: number | null = null;
  let unit = "records";
  const count = (n: unknown) => (typeof n === "number" && Number.isFinite(n) && n >= 0 ? n : null);
  const send = (at: number) => {
    if (!held) return;
    held = false;
    last = at;
    emit({
      type: "artifact_progress",
      id,
      items,
      items_total: itemsTotal,
      bytes,
      bytes_total: bytesTotal,
      unit,
    });
  };
  const offer = () => {
    held = true;
    const at = clock();
    if (at - last >= intervalMs) send(at);
  };
  return {
    report(report) {
      const reported = count(report?.items);
      if (reported === null) return;
      fromComponent = true;
      items = reported;
      itemsTotal = count(report.itemsTotal);
      bytes = count(report.bytes);
      bytesTotal = count(report.bytesTotal);
      unit = typeof report.unit === "string" && report.unit ? report.unit : "records";
      offer();
    },
    count(records, storedBytes) {
      if (fromComponent) return;
      items = records;
      itemsTotal = null;
      bytes = storedBytes;
      bytesTotal = null;
      unit = "records";
      offer();
    },
    flush() {
      send(clock());
    },
  };
}
