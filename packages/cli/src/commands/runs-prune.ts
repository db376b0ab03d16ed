// The light entry: pruning loads no planner, runbook schema or plugin.
import {
  loadRetentionConfig,
  PRUNABLE_STATUSES,
  type PrunableStatus,
  type PruneEntry,
  parseDuration,
  pruneRuns,
  type RetentionPolicy,
} from "@wct/executor/stored-runs";
import { Command } from "commander";
import { type CliContext, storeSpec } from "../context.js";
import { UsageError } from "../errors.js";
import { formatBytes, json, table } from "../format.js";

interface PruneFlags {
  keepLast?: string;
  olderThan?: string;
  status?: string[];
  yes?: boolean;
  dryRun?: boolean;
  json?: boolean;
  store?: string;
}

/** The policy from the flags, or `undefined` when none is given (the config applies). */
function policyFromFlags(flags: PruneFlags): RetentionPolicy | undefined {
  const policy: RetentionPolicy = {};
  if (flags.keepLast !== undefined) {
    const n = /^[0-9]+$/.test(flags.keepLast) ? Number(flags.keepLast) : Number.NaN;
    if (!Number.isSafeInteger(n)) {
      throw new UsageError(
        `--keep-last ${JSON.stringify(flags.keepLast)} must be a whole number ≥ 0`,
      );
    }
    policy.keepLast = n;
  }
  if (flags.olderThan !== undefined) {
    const ms = parseDuration(flags.olderThan);
    if (ms === undefined) {
      throw new UsageError(
        `--older-than ${JSON.stringify(flags.olderThan)} is not a duration; write e.g. 30d, 12h, 90m, 45s or 2w`,
      );
    }
    policy.olderThanMs = ms;
  }
  if (flags.status !== undefined) {
    policy.statuses = flags.status.map((s) => {
      const found = PRUNABLE_STATUSES.find((known) => known === s);
      if (found === undefined) {
        throw new UsageError(
          `--status ${JSON.stringify(s)} is not a run status; use one of ${PRUNABLE_STATUSES.join(", ")}`,
        );
      }
      return found as PrunableStatus;
    });
  }
  return Object.keys(policy).length === 0 ? undefined : policy;
}

function rows(entries: PruneEntry[]): string[][] {
  return entries.map((e) => [
    e.run_id,
    e.status === "deleting" ? "deleting (half-deleted)" : e.status,
    e.started_at ?? "-",
    formatBytes(e.size_bytes),
  ]);
}

/** `wct runs prune`: deletes the runs a retention policy selects (only with `--yes`). */
export function runsPruneCommand(ctx: CliContext): Command {
  return new Command("prune")
    .description(
      "delete old runs by a retention policy (flags, or the retention: section of wct.config.yaml); lists them unless --yes",
    )
    .option("--keep-last <n>", "keep the newest n runs (of the selected statuses)")
    .option("--older-than <duration>", "only runs started longer ago than this (30d, 12h, 90m)")
    .option(
      "--status <status>",
      `only runs with this status, repeatable (${PRUNABLE_STATUSES.join(", ")})`,
      (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
    )
    .option("--yes", "delete for real (without it nothing is touched)")
    .option("--dry-run", "only list what would be deleted (the default)")
    .option("--json", "print the result as JSON")
    .option("--store <dir|url>", "where runs are stored (default: $WCT_STORE or .waivern)")
    .action(async (flags: PruneFlags) => {
      const { io } = ctx;
      if (flags.yes && flags.dryRun) {
        throw new UsageError("--yes and --dry-run contradict each other; give one of them");
      }
      const policy = policyFromFlags(flags) ?? (await loadRetentionConfig(io.cwd)) ?? {};
      const store = await ctx.openStore(storeSpec(flags.store, io), io.cwd);
      try {
        const result = await pruneRuns(store, { policy, apply: flags.yes === true });
        if (flags.json) {
          io.stdout.write(json(result));
          return;
        }
        const verb = result.dry_run ? "would delete" : "deleted";
        if (result.runs.length > 0) {
          io.stdout.write(table(["RUN ID", "STATUS", "STARTED", "SIZE"], rows(result.runs)));
          io.stdout.write("\n");
        }
        io.stdout.write(
          `${verb} ${result.runs.length} run${result.runs.length === 1 ? "" : "s"}, ${formatBytes(result.total_bytes)}; kept ${result.kept}\n`,
        );
        if (result.held.length > 0) {
          io.stdout.write(
            `not deleted, held by a live process: ${result.held.map((h) => h.run_id).join(", ")}\n`,
          );
        }
        for (const f of result.failed) {
          io.stderr.write(`wct: could not delete run ${f.run_id}: ${f.message} [${f.code}]\n`);
        }
        if (result.dry_run && result.runs.length > 0) {
          io.stdout.write("nothing was deleted; rerun with --yes to delete these runs\n");
        }
        if (result.failed.length > 0) {
          // Each such run is whole or half-deleted; the next prune retries it.
          throw Object.assign(
            new Error(
              `${result.failed.length} run(s) could not be deleted (see above); they are whole or half-deleted, and the next \`wct runs prune --yes\` retries them`,
            ),
            { code: "ERR_PRUNE_INCOMPLETE" },
          );
        }
      } finally {
        await store.close();
      }
    });
}
