import type { ArtifactReader, ArtifactStore } from "@wct/store-core";
import { Command } from "commander";
import { type CliContext, storeSpec } from "../context.js";
import { errorCode, UsageError } from "../errors.js";
import { formatBytes, formatDuration, json, oneLine, table } from "../format.js";

/**
 * The stored Message of `artifact`; when there is none, the error says what became of
 * that artifact in the run (or which artifacts the run has), keeping the store's code.
 */
async function openArtifact(store: ArtifactStore, runId: string, artifact: string) {
  try {
    return await store.openArtifactReader(runId, artifact);
  } catch (error) {
    if (errorCode(error) !== "ERR_ARTIFACT_NOT_FOUND") throw error;
    const { readRunInfo } = await import("@wct/executor");
    const state = await readRunInfo(store, runId).then(
      (info) => info.state,
      () => undefined,
    );
    if (state === undefined) throw error;
    const fate = state.skipped.includes(artifact)
      ? "it was skipped (an input failed)"
      : state.not_started.includes(artifact)
        ? "it has not run yet; resume the run to produce it"
        : undefined;
    const ids = [...state.completed, ...state.failed, ...state.skipped, ...state.not_started];
    const known = ids.length > 12 ? `${ids.slice(0, 12).join(", ")}, …` : ids.join(", ");
    throw Object.assign(
      new Error(
        fate === undefined
          ? `run ${runId} has no artifact "${artifact}"; its artifacts: ${known || "none"}`
          : `artifact "${artifact}" of run ${runId} is not stored: ${fate}`,
      ),
      { code: "ERR_ARTIFACT_NOT_FOUND" },
    );
  }
}

interface InspectFlags {
  json?: boolean;
  store?: string;
  limit?: string;
  offset?: string;
}

/** Records shown by default: a head, however large the artifact. */
export const DEFAULT_LIMIT = 20;

function count(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) {
    throw new UsageError(
      `${flag} must be a whole number of records (got ${JSON.stringify(value)})`,
    );
  }
  return Number(value);
}

/** Writes chunks as the stream takes them: a whole artifact is never held. */
async function writeAll(stdout: CliContext["io"]["stdout"], chunks: AsyncIterable<string>) {
  for await (const chunk of chunks) {
    if (stdout.write(chunk) === false && stdout.once) {
      await new Promise<void>((resolve) => stdout.once!("drain", resolve));
    }
  }
}

function indented(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(/\n/g, "\n  ");
}

/**
 * The content of a stored artifact for a person: head fields, the records from
 * `offset` (at most `limit`), then the closing fields. Reads past the records it
 * skips, holding one at a time.
 */
async function contentHead(
  reader: ArtifactReader,
  offset: number,
  limit: number,
): Promise<string[]> {
  const field = reader.layout?.recordsField;
  if (field === undefined) return [JSON.stringify(reader.envelope.content ?? null, null, 2)];
  const lines = ["{"];
  for (const [key, value] of Object.entries(reader.layout?.head ?? {})) {
    lines.push(`  ${JSON.stringify(key)}: ${indented(value)},`);
  }
  lines.push(`  ${JSON.stringify(field)}: [`);
  let index = 0;
  let shown = 0;
  for await (const record of reader.records()) {
    if (index >= offset && shown < limit) {
      lines.push(`    ${indented(record).replace(/\n/g, "\n  ")},`);
      shown++;
    }
    index++;
  }
  const hidden = index - shown;
  if (hidden > 0) {
    const next = offset + shown;
    lines.push(
      `    … ${shown} of ${index} records shown (from ${offset})${next < index ? `; next: --offset ${next} --limit ${limit}` : ""}`,
    );
  }
  lines.push("  ],");
  for (const [key, value] of Object.entries(await reader.summary())) {
    lines.push(`  ${JSON.stringify(key)}: ${indented(value)},`);
  }
  lines.push("}");
  return lines;
}

/** `wct inspect <run> [<artifact>]`: a run's metadata and state, or one stored artifact. */
export function inspectCommand(ctx: CliContext): Command {
  return new Command("inspect")
    .description("show a run (metadata, attempts, artifact states) or one of its stored artifacts")
    .argument("<run>", "run id (a unique prefix is enough)")
    .argument("[artifact]", "artifact id: print its stored Message")
    .option("--json", "print as JSON (an artifact: its whole Message, streamed)")
    .option("--limit <n>", `records of a streamed artifact to show (default ${DEFAULT_LIMIT})`)
    .option("--offset <n>", "first record to show (default 0)")
    .option("--store <dir|url>", "where runs are stored (default: $WCT_STORE or .waivern)")
    .action(async (run: string, artifact: string | undefined, flags: InspectFlags) => {
      const { io } = ctx;
      // Loaded here, not at start-up: other commands never need them.
      const [{ ARTIFACT_ID_PATTERN }, { checkArtifactIntegrity, readRunInfo, resolveRunId }] =
        await Promise.all([import("@wct/runbook-schema"), import("@wct/executor")]);
      const store = await ctx.openStore(storeSpec(flags.store, io), io.cwd);
      try {
        if (artifact !== undefined && !ARTIFACT_ID_PATTERN.test(artifact)) {
          // Not an artifact id: `_system/run` would otherwise read the run's metadata as
          // an artifact and report it as corrupt.
          throw new UsageError(
            `${JSON.stringify(artifact)} is not an artifact id (ids start with a letter and contain only letters, digits, "_" and "-"); list the run's artifacts with \`wct inspect ${run}\``,
          );
        }
        const runId = await resolveRunId(store, run);
        if (artifact !== undefined) {
          const limit = count("--limit", flags.limit, DEFAULT_LIMIT);
          const offset = count("--offset", flags.offset, 0);
          const reader = await openArtifact(store, runId, artifact);
          const integrity = await checkArtifactIntegrity(store, runId, artifact);
          if (integrity === "modified") {
            io.stderr.write(
              `wct: warning: artifact "${artifact}" of run ${runId} does not match the digest its run recorded: its file was changed after it was saved (edited or damaged), so this is not what the run produced. Resuming the run produces it again. [ERR_DIGEST_MISMATCH]\n`,
            );
          }
          try {
            if (flags.json) {
              await reader.close();
              await writeAll(io.stdout, store.messageText(runId, artifact));
              io.stdout.write("\n");
              return;
            }
            // Read first: a streamed artifact's final execution (its whole duration) is
            // in its trailer, which the envelope reflects once the records are read.
            const content = await contentHead(reader, offset, limit);
            const message = reader.envelope;
            const e = message.execution;
            const stored = await store.size(runId, artifact);
            io.stdout.write(
              [
                `artifact ${message.id} of run ${runId}`,
                `  schema:   ${message.schema.name}/${message.schema.version}`,
                `  source:   ${message.source}`,
                `  status:   ${e.status}${e.error ? ` (${e.error.code}: ${e.error.message})` : ""}${integrity === "modified" ? " (MODIFIED since saved: digest mismatch)" : ""}`,
                `  duration: ${formatDuration(e.duration_ms)}`,
                `  saved:    ${message.timestamp}`,
                ...(stored === undefined
                  ? []
                  : [
                      `  stored:   ${formatBytes(stored)}${reader.layout ? " (streamed, compressed)" : ""}`,
                    ]),
                "content:",
                ...content,
                "",
              ].join("\n"),
            );
          } finally {
            await reader.close();
          }
          return;
        }
        const { run: meta, state } = await readRunInfo(store, runId);
        const ids = [...state.completed, ...state.failed, ...state.skipped, ...state.not_started];
        // Sizes from the store's metadata: no artifact is read.
        const sizes: Record<string, number | null> = Object.fromEntries(
          await Promise.all(
            ids.map(async (id) => [id, (await store.size(runId, id)) ?? null] as const),
          ),
        );
        if (flags.json) {
          io.stdout.write(json({ run: meta, state, sizes }));
          return;
        }
        const statusOf = (id: string) =>
          state.completed.includes(id)
            ? "completed"
            : state.failed.includes(id)
              ? "failed"
              : state.skipped.includes(id)
                ? "skipped"
                : "not_started";
        const total = Object.values(sizes).reduce<number>((sum, n) => sum + (n ?? 0), 0);
        io.stdout.write(
          [
            `run ${meta.run_id}  ${meta.status}`,
            `  runbook:  ${meta.runbook_path} (${meta.runbook_hash})`,
            `  started:  ${meta.started_at}`,
            `  ended:    ${meta.completed_at ?? "-"}`,
            `  size:     ${formatBytes(total)} in artifacts`,
            `  attempts: ${meta.attempts
              .map(
                (a) =>
                  `#${a.attempt} ${a.status} (pid ${a.pid} on ${a.hostname}${a.took_over ? ", took over" : ""})`,
              )
              .join("; ")}`,
            "",
            "",
          ].join("\n"),
        );
        io.stdout.write(
          table(
            ["ARTIFACT", "STATUS", "DURATION", "SIZE", "ERROR"],
            ids.map((id) => {
              const error = state.errors[id];
              return [
                id,
                statusOf(id),
                formatDuration(state.durations_ms[id]),
                sizes[id] == null ? "-" : formatBytes(sizes[id]),
                error ? `${error.code}: ${oneLine(error.message)}` : "",
              ];
            }),
          ),
        );
      } finally {
        await store.close();
      }
    });
}
