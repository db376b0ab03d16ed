import { Command, CommanderError } from "commander";
import { componentsCommand } from "./commands/components.js";
import { evalCommand } from "./commands/eval.js";
import { inspectCommand } from "./commands/inspect.js";
import { reportCommand } from "./commands/report.js";
import { runCommand } from "./commands/run.js";
import { runsCommand } from "./commands/runs.js";
import { schemaCommand } from "./commands/schema.js";
import { validateCommand } from "./commands/validate.js";
import type { CliContext } from "./context.js";
import { ExitCode, exitCodeFor, formatError } from "./errors.js";

const EXAMPLES = `
Examples:
  $ wct validate examples/quickstart.yaml        check a runbook, print its plan
  $ wct run examples/quickstart.yaml             run it; every artifact is saved under .waivern
  $ wct runs --status failed                     list failed runs
  $ wct run examples/quickstart.yaml --resume 0193a   resume a run by id prefix
  $ wct inspect 0193a findings                    show a stored artifact
  $ wct runs prune --keep-last 20                list runs beyond the newest 20 (--yes deletes)
  $ wct runs diff 0193a 0193b                    what changed between two runs
  $ wct report 0193a --format html --output report.html   a report to hand over
  $ wct components                               list connectors and processors
  $ wct schema > runbook.schema.json             JSON Schema for editors
  $ wct eval labels.tsv                          score personal-data detection on a labelled set

Exit codes: 0 success, 1 run failed, 2 bad usage or input, 3 run held by a live process,
4 report --fail-on found failing findings, 130 interrupted.
Environment: WCT_STORE (default store), WCT_DEBUG=1 (stack traces on errors).`;

/**
 * Where commander writes, and how its own usage errors look: `wct: <what> [ERR_USAGE]`
 * and where to read the usage, like the errors wct raises itself.
 */
function output(ctx: CliContext, commandLine: string) {
  return {
    writeOut: (s: string) => ctx.io.stdout.write(s),
    writeErr: (s: string) => ctx.io.stderr.write(s),
    outputError: (s: string, write: (s: string) => void) =>
      write(
        `wct: ${s.replace(/^error: /, "").trimEnd()} [ERR_USAGE]\n  see \`${commandLine} --help\`\n`,
      ),
  };
}

/** Builds the commander program; `setExit` receives each command's exit code. */
export function createProgram(ctx: CliContext, setExit: (code: number) => void): Command {
  const program = new Command("wct")
    .description(
      "wct runs runbooks — YAML files of named artifacts produced by connectors and processors —\nand persists every run so it can be listed, inspected, resumed and reused.",
    )
    .version(ctx.version, "-V, --version", "print the version")
    .helpOption("-h, --help", "show help")
    .showSuggestionAfterError(true)
    // Each command owns the flags after its name, so `runs prune --store` reaches
    // `prune` rather than `runs`.
    .enablePositionalOptions()
    .addHelpText("after", EXAMPLES)
    .configureOutput(output(ctx, "wct"))
    .exitOverride();
  for (const command of [
    runCommand(ctx, setExit),
    runsCommand(ctx),
    inspectCommand(ctx),
    reportCommand(ctx),
    validateCommand(ctx, setExit),
    componentsCommand(ctx),
    schemaCommand(ctx),
    evalCommand(ctx),
  ]) {
    // addCommand() copies no settings: each command gets the same output and hints, so
    // its usage errors read like every other wct error.
    program.addCommand(
      command
        .configureOutput(output(ctx, `wct ${command.name()}`))
        .showSuggestionAfterError(true)
        .exitOverride(),
    );
    for (const sub of command.commands) {
      sub
        .configureOutput(output(ctx, `wct ${command.name()} ${sub.name()}`))
        .showSuggestionAfterError(true)
        .exitOverride();
    }
  }
  return program;
}

/**
 * Runs the CLI with `argv` (without `node` and the script) and returns the exit code;
 * it never throws and never prints a stack trace unless `WCT_DEBUG=1`.
 */
export async function main(argv: string[], ctx: CliContext): Promise<number> {
  let exitCode: number = ExitCode.Ok;
  const program = createProgram(ctx, (code) => {
    exitCode = code;
  });
  try {
    if (argv.length === 0) {
      program.outputHelp();
      return ExitCode.Usage;
    }
    await program.parseAsync(argv, { from: "user" });
    return exitCode;
  } catch (error) {
    // Commander already printed its own usage errors, help and version.
    if (!(error instanceof CommanderError)) {
      ctx.io.stderr.write(formatError(error, ctx.io.env["WCT_DEBUG"] === "1", ctx.io.cwd));
    }
    return exitCodeFor(error);
  }
}
