import type { RunEvent } from "@wct/executor";
import type { CliIo } from "./context.js";
import { formatDuration, oneLine } from "./format.js";

/** Renders run events on stderr: a live line on a terminal, one plain line per event otherwise. */
export interface ProgressRenderer {
  onEvent(event: RunEvent): void;
  /** Clears the live line before other output. */
  finish(): void;
}

export function createProgressRenderer(io: CliIo, options: { quiet: boolean }): ProgressRenderer {
  if (options.quiet) return { onEvent() {}, finish() {} };
  const started = Date.now();
  let total = 0;
  let done = 0;
  const running = new Set<string>();
  let live = false;
  let timer: NodeJS.Timeout | undefined;

  const drawLive = () => {
    const names = [...running].slice(0, 3).join(", ") + (running.size > 3 ? ", …" : "");
    const text = `${done}/${total} done, ${running.size} running${names ? ` (${names})` : ""}, ${formatDuration(Date.now() - started)}`;
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
          if (io.isTTY) drawLive();
          else say(`started   ${event.id}`);
          break;
        case "artifact_finished":
          running.delete(event.id);
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
