import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { open, rename, rm } from "node:fs/promises";
import { basename, dirname, join, relative, resolve } from "node:path";
import type { FindingsSource, ReportContext, ReportFormat } from "@wct/report";
import { DEFAULT_SUPPRESSIONS_FILE, REPORT_FORMATS } from "@wct/report/constants";
import type { ArtifactStore } from "@wct/store-core";
import { Command } from "commander";
import { type CliContext, type CliIo, storeSpec } from "../context.js";
import { CliErrorCode, errorCode, UsageError } from "../errors.js";

interface ReportFlags {
  format: string;
  output?: string;
  baseline?: string;
  suppressions?: string;
  failOn?: string;
  limit?: string;
  store?: string;
}

/** Raised after the report is written when `--fail-on` finds what it looks for. */
class FindingsFailOnError extends Error {
  readonly code = CliErrorCode.FindingsFailOn;
}

// Findings artifacts to report by default: the run's completed `output: true` artifacts
// of the findings schema, as its plan records them. A reused artifact has no schema in
// the plan, so it is opened to check; without a readable plan, every completed one is.
async function findingsArtifacts(store: ArtifactStore, runId: string, completed: string[]) {
  const { FINDINGS_SCHEMA_NAME } = await import("@wct/report");
  let plan: {
    artifacts?: Array<{ id: string; output?: boolean; schema?: { name?: string } | null }>;
  };
  try {
    plan = await store.getJson(runId, "_system/plan");
  } catch {
    return completed;
  }
  const byId = new Map((plan.artifacts ?? []).map((a) => [a.id, a]));
  return completed.filter((id) => {
    const a = byId.get(id);
    return (
      a === undefined ||
      (a.output === true && (a.schema == null || a.schema.name === FINDINGS_SCHEMA_NAME))
    );
  });
}

async function openSources(
  store: ArtifactStore,
  runId: string,
  artifact: string | undefined,
): Promise<FindingsSource[]> {
  const [{ FINDINGS_SCHEMA_NAME, readFindings }, { readRunInfo }] = await Promise.all([
    import("@wct/report"),
    import("@wct/executor"),
  ]);
  if (artifact !== undefined) return [await readFindings(store, runId, artifact)];
  const { state } = await readRunInfo(store, runId);
  const sources: FindingsSource[] = [];
  for (const id of await findingsArtifacts(store, runId, state.completed)) {
    try {
      sources.push(await readFindings(store, runId, id));
    } catch (error) {
      if (errorCode(error) !== "ERR_REPORT_NOT_FINDINGS") throw error;
    }
  }
  if (sources.length === 0) {
    throw Object.assign(
      new Error(
        `run ${runId} has no completed findings artifact (schema ${FINDINGS_SCHEMA_NAME}); run a runbook with a personal_data artifact marked output: true, or name an artifact`,
      ),
      { code: CliErrorCode.ReportNoFindings },
    );
  }
  return sources;
}

// Crash-safe like everything wct writes: a temporary file beside the target, fsync,
// rename; a report cut short never replaces a complete one.
async function writeAtomically(path: string, chunks: AsyncIterable<string>): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
  const handle = await open(tmp, "w", 0o600);
  try {
    let buffer = "";
    for await (const chunk of chunks) {
      buffer += chunk;
      if (buffer.length >= 1 << 20) {
        await handle.write(buffer);
        buffer = "";
      }
    }
    if (buffer) await handle.write(buffer);
    await handle.sync();
    await handle.close();
    await rename(tmp, path);
  } catch (error) {
    await handle.close().catch(() => {});
    await rm(tmp, { force: true });
    throw error;
  }
}

async function writeOut(io: CliIo, chunks: AsyncIterable<string>): Promise<void> {
  for await (const chunk of chunks) io.stdout.write(chunk);
}

function positiveInt(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(
      `${flag} must be a whole number of at least 1, got ${JSON.stringify(text)}`,
    );
  return n;
}

/** `wct report <run> [<artifact>]`: the run's findings as SARIF, HTML, Markdown, CSV or JSON. */
export function reportCommand(ctx: CliContext): Command {
  return new Command("report")
    .description("write a run's findings as SARIF 2.1.0, HTML, Markdown, CSV or JSON")
    .argument("<run>", "run id (a unique prefix is enough)")
    .argument("[artifact]", "one findings artifact (default: every output findings artifact)")
    .option("--format <format>", `${REPORT_FORMATS.join("|")}`, "md")
    .option("--output <file>", "write to this file (default: stdout)")
    .option(
      "--baseline <run>",
      "mark each finding new, unchanged or absent against this earlier run",
    )
    .option(
      "--suppressions <file>",
      `suppressions file (default: ${DEFAULT_SUPPRESSIONS_FILE} in the working directory, if present)`,
    )
    .option(
      "--fail-on <when>",
      "exit 4 when unsuppressed findings are: new (against --baseline) | any",
    )
    .option("--limit <n>", "md: how many findings to list", "50")
    .option("--store <dir|url>", "where runs are stored (default: $WCT_STORE or .waivern)")
    .action(async (run: string, artifact: string | undefined, flags: ReportFlags) => {
      const { io } = ctx;
      if (!(REPORT_FORMATS as readonly string[]).includes(flags.format)) {
        throw new UsageError(
          `--format must be one of ${REPORT_FORMATS.join(", ")}, got ${JSON.stringify(flags.format)}`,
        );
      }
      if (flags.failOn !== undefined && flags.failOn !== "new" && flags.failOn !== "any") {
        throw new UsageError(
          `--fail-on must be "new" or "any", got ${JSON.stringify(flags.failOn)}`,
        );
      }
      // Loaded here, not at start-up: other commands never need them.
      const [
        { ARTIFACT_ID_PATTERN },
        { readRunInfo, resolveRunId },
        { annotateFindings, emptyStats, loadSuppressions, renderReport, SuppressionMatcher },
      ] = await Promise.all([
        import("@wct/runbook-schema"),
        import("@wct/executor"),
        import("@wct/report"),
      ]);
      if (artifact !== undefined && !ARTIFACT_ID_PATTERN.test(artifact)) {
        throw new UsageError(
          `${JSON.stringify(artifact)} is not an artifact id; list the run's artifacts with \`wct inspect ${run}\``,
        );
      }
      const limit = positiveInt(flags.limit ?? "50", "--limit");
      const suppressionsPath =
        flags.suppressions !== undefined
          ? resolve(io.cwd, flags.suppressions)
          : existsSync(resolve(io.cwd, DEFAULT_SUPPRESSIONS_FILE))
            ? resolve(io.cwd, DEFAULT_SUPPRESSIONS_FILE)
            : undefined;
      const suppressions =
        suppressionsPath === undefined
          ? undefined
          : new SuppressionMatcher(
              await loadSuppressions(
                suppressionsPath,
                relative(io.cwd, suppressionsPath) || suppressionsPath,
              ),
              new Date().toISOString().slice(0, 10),
            );
      const store = await ctx.openStore(storeSpec(flags.store, io), io.cwd);
      try {
        const runId = await resolveRunId(store, run);
        const { run: meta } = await readRunInfo(store, runId);
        const sources = await openSources(store, runId, artifact);
        const baselineId =
          flags.baseline === undefined ? undefined : await resolveRunId(store, flags.baseline);
        const baseline =
          baselineId === undefined
            ? undefined
            : await openSources(
                store,
                baselineId,
                artifact !== undefined && (await store.exists(baselineId, artifact))
                  ? artifact
                  : undefined,
              );
        for (const e of suppressions?.expired ?? []) {
          io.stderr.write(
            `wct: warning: the suppression at ${e.source} expired on ${e.expires} and no longer suppresses anything; renew or remove it [WARN_SUPPRESSION_EXPIRED]\n`,
          );
        }
        const report: ReportContext = {
          run: {
            run_id: meta.run_id,
            runbook_path: meta.runbook_path,
            status: meta.status,
            started_at: meta.started_at,
            completed_at: meta.completed_at,
          },
          artifacts: sources.map((s) => s.artifact),
          baseline_run: baselineId ?? null,
          expired_suppressions: suppressions?.expired ?? [],
          generated_at: new Date().toISOString(),
          tool_version: ctx.version,
        };
        const stats = emptyStats();
        const findings = annotateFindings(
          sources,
          { ...(baseline ? { baseline } : {}), ...(suppressions ? { suppressions } : {}) },
          stats,
        );
        const chunks = renderReport(flags.format as ReportFormat, findings, report, { limit });
        if (flags.output !== undefined) {
          const target = resolve(io.cwd, flags.output);
          await writeAtomically(target, chunks);
          io.stderr.write(
            `wrote ${flags.format} report of run ${runId} to ${flags.output}: ${stats.present} findings (${stats.suppressed} suppressed${baselineId ? `, ${stats.new} new, ${stats.absent} absent` : ""})\n`,
          );
        } else await writeOut(io, chunks);
        const failing =
          flags.failOn === "any"
            ? stats.unsuppressed
            : flags.failOn === "new"
              ? stats.new_unsuppressed
              : 0;
        if (failing > 0) {
          throw new FindingsFailOnError(
            `${failing} ${flags.failOn === "new" ? "new " : ""}unsuppressed finding${failing === 1 ? "" : "s"} in run ${runId} (--fail-on ${flags.failOn}${flags.failOn === "new" && !baselineId ? ", no --baseline: every finding is new" : ""}); fix them or suppress them with a reason in ${DEFAULT_SUPPRESSIONS_FILE}`,
          );
        }
      } finally {
        await store.close();
      }
    });
}
