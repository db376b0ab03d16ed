// The light entry: listing runs loads no planner, parser or plugin.
import { listRunRecords, type RunRecord } from "@wct/executor/stored-runs";
import { Command } from "commander";
import { type CliContext, storeSpec } from "../context.js";
import { UsageError } from "../errors.js";
import { formatBytes, formatDuration, json, oneLine, table } from "../format.js";
import { runsDiffCommand } from "./runs-diff.js";
import { runsPruneCommand } from "./runs-prune.js";

const STATUSES: ReadonlyArray<RunRecord["status"]> = [
  "running",
  "completed",
  "failed",
  "interrupted",
  "never_started",
  "unreadable",
  "deleting",
];

interface RunsFlags {
  status?: string;
  limit?: string;
  json?: boolean;
  store?: string;
}

function row(record: RunRecord): string[] {
  if (record.status === "unreadable") {
    return [
      record.run_id,
      "unreadable",
      oneLine(record.reason, 60),
      "",
      "",
      formatBytes(record.size_bytes),
      "",
    ];
  }
  if (record.status === "deleting") {
    return [
      record.run_id,
      "deleting (half-deleted)",
      "",
      "",
      "",
      formatBytes(record.size_bytes),
      "",
    ];
  }
  if (record.status === "never_started") {
    return [record.run_id, "never started", "", "", "", formatBytes(record.size_bytes), ""];
  }
  const c = record.counts;
  return [
    record.run_id,
    record.stale ? "running (stale)" : record.status,
    record.runbook_path,
    record.started_at,
    formatDuration(record.duration_ms),
    formatBytes(record.size_bytes),
    `${c.completed}/${c.failed}/${c.skipped}/${c.not_started}`,
  ];
}

/** `wct runs`: lists stored runs, newest first. */
export function runsCommand(ctx: CliContext): Command {
  return (
    new Command("runs")
      .description("list stored runs, newest first")
      .option("--status <status>", `only runs with this status (${STATUSES.join(", ")})`)
      .option("--limit <n>", "at most n runs")
      .option("--json", "print the list as JSON")
      .option("--store <dir|url>", "where runs are stored (default: $WCT_STORE or .waivern)")
      // Subcommands own their flags (`prune --status` is not `runs --status`).
      .enablePositionalOptions()
      .addCommand(runsPruneCommand(ctx))
      .addCommand(runsDiffCommand(ctx))
      .action(async (flags: RunsFlags) => {
        const { io } = ctx;
        const status = STATUSES.find((s) => s === flags.status);
        if (flags.status !== undefined && status === undefined) {
          throw new UsageError(
            `--status ${JSON.stringify(flags.status)} is not a run status; use one of ${STATUSES.join(", ")}`,
          );
        }
        let limit: number | undefined;
        if (flags.limit !== undefined) {
          // Digits only: Number() would also take "0x10", "1e3" or " 2".
          limit = /^[0-9]+$/.test(flags.limit) ? Number(flags.limit) : Number.NaN;
          if (!Number.isSafeInteger(limit) || limit < 1) {
            throw new UsageError(
              `--limit ${JSON.stringify(flags.limit)} must be a whole number ≥ 1`,
            );
          }
        }
        const store = await ctx.openStore(storeSpec(flags.store, io), io.cwd);
        try {
          const records = await listRunRecords(store, {
            ...(status === undefined ? {} : { status }),
            ...(limit === undefined ? {} : { limit }),
          });
          if (flags.json) {
            io.stdout.write(json(records));
            return;
          }
          if (records.length === 0) {
            io.stdout.write(
              `no runs${flags.status ? ` with status ${flags.status}` : ""} in ${storeSpec(flags.store, io)}\n`,
            );
            return;
          }
          io.stdout.write(
            table(
              [
                "RUN ID",
                "STATUS",
                "RUNBOOK",
                "STARTED",
                "DURATION",
                "SIZE",
                "DONE/FAILED/SKIPPED/NOT STARTED",
              ],
              records.map(row),
            ),
          );
          if (records.some((r) => r.status === "deleting")) {
            io.stdout.write(
              "\nruns marked deleting were cut short while being deleted; finish them with:\n  wct runs prune --yes\n",
            );
          }
          if (records.some((r) => r.status === "never_started")) {
            io.stdout.write(
              "\nruns that never started lost their process before the run began; nothing of them was saved. Start one afresh under its id with:\n  wct run <runbook> --resume <run id>\n",
            );
          }
          if (records.some((r) => r.status === "running" && r.stale)) {
            io.stdout.write(
              "\nruns marked stale lost their process (killed, or its host went away); resume one with:\n  wct run <runbook> --resume <run id>\n",
            );
          }
        } finally {
          await store.close();
        }
      })
  );
}
