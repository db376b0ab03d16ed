import type { RunEvent } from "@wct/executor";
import type { CliIo } from "./context.js";
import { formatBytes, formatDuration, oneLine } from "./format.js";

/** Renders run events on stderr: a live line on a terminal, one plain line per event otherwise. */
export interface ProgressRenderer {
  onEvent(event: RunEvent): void;
  /** Clears the live line before other output. */
  finish(): void;
}

type Progress = Extract<RunEvent, { type: "artifact_progress" }>;

// Made on first use: building a number format loads locale data, which costs every
// command's start-up when done at import time.
let numberFormat: Intl.NumberFormat | undefined;
const count = {
  format(n: number): string {
    numberFormat ??= new Intl.NumberFormat("en-US");
    return numberFormat.format(n);
  },
};

/** `1,204/4,452 files, 120 MB, 38 MB/s` (the parts that are known). */
export function formatProgress(progress: Progress, elapsedMs: number): string {
  const parts = [
    `${count.format(progress.items)}${progress.items_total === null ? "" : `/${count.format(progress.items_total)}`} ${progress.unit}`,
  ];
  if (progress.bytes !== null) {
    parts.push(
      `${formatBytes(progress.bytes)}${progress.bytes_total === null ? "" : `/${formatBytes(progress.bytes_total)}`}`,
    );
    if (elapsedMs >= 500) parts.push(`${formatBytes((progress.bytes * 1000) / elapsedMs)}/s`);
  }
  return parts.join(", ");
}

/** How often plain-line mode prints the progress of a running artifact. */
export const PLAIN_PROGRESS_INTERVAL_MS = 5000;

export function createProgressRenderer(
  io: CliIo,
  options: { quiet: boolean; now?: () => number; plainIntervalMs?: number },
): ProgressRenderer {
  if (options.quiet) return { onEvent() {}, finish() {} };
  const now = options.now ?? Date.now;
  const progress = new Map<
    string,
    { event: Progress | undefined; since: number; printed: number }
  >();
  const describe = (id: string) => {
    const held = progress.get(id);
    return held?.event ? `${id} ${formatProgress(held.event, now() - held.since)}` : id;
  };
  const started = now();
  let total = 0;
  let done = 0;
  const running = new Set<string>();
  let live = false;
  let timer: NodeJS.Timeout | undefined;

  const drawLive = () => {
    const names =
      [...running].slice(0, 3).map(describe).join(", ") + (running.size > 3 ? ", …" : "");
    const text = `${done}/${total} done, ${running.size} running${names ? ` (${names})` : ""}, ${formatDuration(now() - started)}`;
    io.stderr.write(`\r\x1b[2K${text}`);
    live = true;
  };
  const clearLive = () => {
    if (live) io.stderr.write("\r\x1b[2K");
    live = false;
  };
  const say = (line: string) => {
    clearLive();
    io.stderr.write(`${line}\n`);
    if (io.isTTY && timer) drawLive();
  };

  return {
    onEvent(event) {
      switch (event.type) {
        case "run_started":
          total = event.total;
          done = event.kept.length;
          if (event.took_over) {
            say(
              `took over run ${event.run_id}: its previous owner (pid ${event.took_over.pid} on ${event.took_over.hostname}) is gone`,
            );
          }
          say(
            event.resumed
              ? `resuming run ${event.run_id} (attempt ${event.attempt}): ${event.kept.length} of ${total} artifacts kept`
              : `run ${event.run_id} started: ${total} artifacts`,
          );
          if (io.isTTY) {
            timer = setInterval(drawLive, 250);
            timer.unref();
            drawLive();
          }
          break;
        case "artifact_started":
          running.add(event.id);
          progress.set(event.id, { event: undefined, since: now(), printed: now() });
          if (io.isTTY) drawLive();
          else say(`started   ${event.id}`);
          break;
        case "artifact_progress": {
          const held = progress.get(event.id);
          if (!held) break;
          held.event = event;
          if (
            !io.isTTY &&
            now() - held.printed >= (options.plainIntervalMs ?? PLAIN_PROGRESS_INTERVAL_MS)
          ) {
            held.printed = now();
            say(`progress  ${describe(event.id)}`);
          }
          break;
        }
        case "artifact_finished":
          running.delete(event.id);
          progress.delete(event.id);
          done += 1;
          if (io.isTTY && event.status === "completed") drawLive();
          else
            say(
              `${event.status.padEnd(9)} ${event.id} (${formatDuration(event.duration_ms)})${event.error ? `: ${oneLine(event.error.message, 160)}` : ""}`,
            );
          break;
        case "log":
          if (event.level === "warn" || event.level === "error" || !io.isTTY)
            say(`${event.level.padEnd(9)} ${event.id}: ${oneLine(event.message, 200)}`);
          break;
        case "run_finished":
          if (timer) clearInterval(timer);
          timer = undefined;
          clearLive();
          break;
      }
    },
    finish() {
      if (timer) clearInterval(timer);
      timer = undefined;
      clearLive();
    },
  };
}
