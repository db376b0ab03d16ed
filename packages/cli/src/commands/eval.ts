import { resolve } from "node:path";
import { Command } from "commander";
import type { CliContext } from "../context.js";
import { UsageError } from "../errors.js";
import { json } from "../format.js";

interface EvalFlags {
  json?: boolean;
  minConfidence?: string;
  iou?: string;
}

function ratio(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 1) {
    throw new UsageError(`${flag} must be a number from 0 to 1, got "${value}"`);
  }
  return n;
}

/** `wct eval <labels>`: scores the personal-data rules against a labelled set. */
export function evalCommand(ctx: CliContext): Command {
  return new Command("eval")
    .description(
      "score the personal_data rules against a labelled set: a Presidio JSON file, or a TSV of file, line, type (files relative to it)",
    )
    .argument("<labels>", "path of the labelled set (.json or .tsv)")
    .option("--json", "print the scores as JSON")
    .option("--min-confidence <n>", "drop findings below this confidence (default 0.5)")
    .option(
      "--iou <n>",
      "Presidio sets: overlap a finding needs with a labelled span (default 0.9)",
    )
    .action(async (labels: string, flags: EvalFlags) => {
      const { io } = ctx;
      const options = {
        minConfidence: ratio("--min-confidence", flags.minConfidence),
        iou: ratio("--iou", flags.iou),
      };
      const { evaluateLabelledSet, formatEvalReport } = await import("@wct/plugin-personal-data");
      const report = await evaluateLabelledSet(resolve(io.cwd, labels), options);
      if (flags.json) {
        io.stdout.write(json(report));
        return;
      }
      const unit = report.format === "presidio" ? "records" : "files";
      io.stdout.write(`${labels}: ${report.documents} ${unit} scored (${report.format})\n\n`);
      io.stdout.write(`${formatEvalReport(report)}\n`);
    });
}
