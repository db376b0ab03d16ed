import { resolve } from "node:path";
import type { RunSummary } from "@wct/executor";
import { Command } from "commander";
import { type CliContext, storeSpec } from "../context.js";
import { ExitCode } from "../errors.js";
import { formatDuration, json, oneLine, table } from "../format.js";
import { pluginOption } from "../options.js";
import { createProgressRenderer } from "../progress.js";
import { outputReport } from "../report.js";

interface RunFlags {
  resume?: string;
  json?: boolean;
  quiet?: boolean;
  store?: string;
  plugin: string[];
}

function shellQuote(text: string): string {
  return /^[A-Za-z0-9_./:=@-]+$/.test(text) ? text : `'${text.replace(/'/g, "'\\''")}'`;
}

function summaryTable(summary: RunSummary): string {
  const rows = summary.artifacts.map((a) => [
    a.id,
    a.kept ? `${a.status} (kept)` : a.status,
    formatDuration(a.duration_ms),
    a.error ? `${a.error.code}: ${oneLine(a.error.message)}` : "",
  ]);
  return table(["ARTIFACT", "STATUS", "DURATION", "ERROR"], rows);
}

/** `wct run <runbook>`: plans, runs (or resumes) and reports a run. */
export function runCommand(ctx: CliContext, setExit: (code: number) => void): Command {
  return new Command("run")
    .description("run a runbook, persisting every artifact; --resume continues an earlier run")
    .argument("<runbook>", "path of the runbook YAML file")
    .option("--resume <run>", "resume this run (a unique prefix of its id is enough)")
    .option("--json", "print one JSON summary on stdout")
    .option("--quiet", "print only errors")
    .option("--store <dir|url>", "where runs are stored (default: $WCT_STORE or .waivern)")
    .addOption(pluginOption())
    .action(async (runbook: string, flags: RunFlags) => {
      const { io } = ctx;
      // Loaded here, not at start-up: `wct runs` and `wct --version` never plan anything.
      const [{ createReuseResolver, planRunbook, resolveRunId, runPlan }, plugins] =
        await Promise.all([import("@wct/executor"), ctx.loadBuiltinPlugins()]);
      const store = await ctx.openStore(storeSpec(flags.store, io), io.cwd);
      try {
        const resumeId =
          flags.resume === undefined ? undefined : await resolveRunId(store, flags.resume);
        const { plan, registry } = await planRunbook(resolve(io.cwd, runbook), {
          plugins,
          pluginModules: flags.plugin,
          cwd: io.cwd,
          env: io.env,
          resolveReuse: createReuseResolver(store),
        });
        // WCT_PROGRESS_INTERVAL_MS: how often plain-line mode prints progress (CI logs, tests).
        const interval = Number(io.env.WCT_PROGRESS_INTERVAL_MS);
        const progress = createProgressRenderer(io, {
          quiet: flags.quiet === true,
          ...(Number.isFinite(interval) && interval >= 0 && io.env.WCT_PROGRESS_INTERVAL_MS
            ? { plainIntervalMs: interval }
            : {}),
        });
        const controller = new AbortController();
        let interruptedBy: string | undefined;
        const unsubscribe = ctx.onInterrupt((signal) => {
          if (interruptedBy === undefined) {
            interruptedBy = signal;
            progress.finish();
            if (!flags.quiet) io.stderr.write(`\n${signal}: stopping, saving the run…\n`);
          }
          controller.abort(new Error(`interrupted by ${signal}`));
        });
        // Streamed outputs' closing summaries, for the report: read back from the store,
        // each would cost a pass through its whole stream.
        const closings = new Map<string, Record<string, unknown>>();
        let summary: RunSummary;
        try {
          summary = await runPlan(plan, {
            store,
            registry,
            runbookPath: runbook,
            signal: controller.signal,
            onEvent: (event) => {
              if (event.type === "artifact_finished" && event.closing !== undefined) {
                closings.set(event.id, event.closing);
              }
              progress.onEvent(event);
            },
            ...(resumeId === undefined ? {} : { resume: resumeId }),
          });
        } finally {
          unsubscribe();
          progress.finish();
        }
        const resumeHint = `wct run ${shellQuote(runbook)} --resume ${summary.run_id}`;
        if (flags.json) io.stdout.write(json(summary));
        else if (!flags.quiet) {
          io.stdout.write(summaryTable(summary));
          io.stdout.write(await outputReport(store, summary, closings));
          io.stdout.write(
            `\nrun ${summary.run_id} ${summary.status} in ${formatDuration(summary.duration_ms)}\n`,
          );
        }
        if (summary.status === "interrupted") {
          io.stderr.write(`run ${summary.run_id} interrupted; resume it with:\n  ${resumeHint}\n`);
          setExit(ExitCode.Interrupted);
        } else if (summary.status === "failed") {
          if (flags.quiet) {
            for (const a of summary.artifacts.filter((x) => x.status === "failed")) {
              io.stderr.write(
                `wct: artifact ${a.id} failed: ${a.error?.message ?? "unknown error"} [${a.error?.code ?? "ERR_INTERNAL"}]\n`,
              );
            }
          } else {
            io.stderr.write(
              `run ${summary.run_id} failed; after fixing the cause, resume it with:\n  ${resumeHint}\n`,
            );
          }
          setExit(ExitCode.RunFailed);
        } else setExit(ExitCode.Ok);
      } finally {
        await store.close();
      }
    });
}
