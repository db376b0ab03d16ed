import { Command } from "commander";
import { type CliContext, storeSpec } from "../context.js";
import { json, table } from "../format.js";

interface DiffFlags {
  json?: boolean;
  store?: string;
}

const short = (digest: string | null | undefined) =>
  digest ? digest.replace(/^sha256:/, "").slice(0, 12) : "-";

/** `wct runs diff <a> <b>`: what changed between two runs. */
export function runsDiffCommand(ctx: CliContext): Command {
  return new Command("diff")
    .description(
      "compare two runs: artifact statuses and digests, runbook hashes, new and gone findings",
    )
    .argument("<run-a>", "the earlier run (a unique id prefix is enough)")
    .argument("<run-b>", "the later run")
    .option("--json", "print the diff as JSON")
    .option("--store <dir|url>", "where runs are stored (default: $WCT_STORE or .waivern)")
    .action(async (a: string, b: string, flags: DiffFlags) => {
      const { io } = ctx;
      const { diffRuns } = await import("@wct/executor");
      const store = await ctx.openStore(storeSpec(flags.store, io), io.cwd);
      try {
        const diff = await diffRuns(store, a, b);
        if (flags.json) {
          io.stdout.write(json(diff));
          return;
        }
        const lines = [
          `a: ${diff.a.run_id}  ${diff.a.status}  ${diff.a.runbook_path} (${diff.a.runbook_hash})`,
          `b: ${diff.b.run_id}  ${diff.b.status}  ${diff.b.runbook_path} (${diff.b.runbook_hash})`,
          `runbook ${diff.runbook_changed ? "changed" : "unchanged"}`,
          "",
          "",
        ];
        io.stdout.write(lines.join("\n"));
        io.stdout.write(
          table(
            ["ARTIFACT", "A", "B", "DIGEST A", "DIGEST B", "CHANGED"],
            diff.artifacts.map((x) => [
              x.id,
              x.a?.status ?? "(absent)",
              x.b?.status ?? "(absent)",
              short(x.a?.digest),
              short(x.b?.digest),
              x.changed ? "yes" : "no",
            ]),
          ),
        );
        for (const x of diff.artifacts) {
          if (x.findings === undefined) continue;
          const f = x.findings;
          io.stdout.write(
            `\nfindings of ${x.id}: ${f.new.length} new, ${f.gone.length} gone, ${f.unchanged} unchanged\n`,
          );
          io.stdout.write(
            table(
              ["TYPE", "NEW", "GONE", "UNCHANGED"],
              Object.entries(f.by_type).map(([type, c]) => [
                type,
                String(c.new),
                String(c.gone),
                String(c.unchanged),
              ]),
            ),
          );
          for (const [sign, list] of [
            ["+", f.new],
            ["-", f.gone],
          ] as const) {
            for (const finding of list) {
              const where =
                finding.location.kind === "sqlite"
                  ? `${finding.location.path} ${finding.location.table}.${finding.location.column}`
                  : `${finding.location.path}:${finding.location.line}`;
              io.stdout.write(`  ${sign} ${finding.type}  ${where}  ${finding.evidence ?? ""}\n`);
            }
          }
        }
      } finally {
        await store.close();
      }
    });
}
