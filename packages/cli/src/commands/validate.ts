import { resolve } from "node:path";
import { Command } from "commander";
import { type CliContext, storeSpec } from "../context.js";
import { errorCode, exitCodeFor } from "../errors.js";
import { json, table } from "../format.js";
import { pluginOption } from "../options.js";

interface ValidateFlags {
  json?: boolean;
  store?: string;
  plugin: string[];
}

/** `wct validate <runbook>`: plans without running; prints a summary or every error. */
export function validateCommand(ctx: CliContext, setExit: (code: number) => void): Command {
  return new Command("validate")
    .description("check a runbook and print its plan, or every problem found (nothing runs)")
    .argument("<runbook>", "path of the runbook YAML file")
    .option("--json", "print the summary as JSON")
    .option(
      "--store <dir|url>",
      "store consulted for `reuse` artifacts (default: $WCT_STORE or .waivern)",
    )
    .addOption(pluginOption())
    .action(async (runbook: string, flags: ValidateFlags) => {
      const { io } = ctx;
      // Loaded here, not at start-up: other commands never plan anything.
      const [{ createReuseResolver, describePlan, planRunbook }, plugins] = await Promise.all([
        import("@wct/executor"),
        ctx.loadBuiltinPlugins(),
      ]);
      const store = await ctx.openStore(storeSpec(flags.store, io), io.cwd);
      try {
        let plan: Awaited<ReturnType<typeof planRunbook>>["plan"];
        try {
          ({ plan } = await planRunbook(resolve(io.cwd, runbook), {
            plugins,
            pluginModules: flags.plugin,
            cwd: io.cwd,
            env: io.env,
            resolveReuse: createReuseResolver(store),
          }));
        } catch (error) {
          if (!flags.json) throw error;
          // --json: the errors are the output, as JSON on stdout, with the same exit code.
          const diagnostics = (error as { diagnostics?: unknown[] }).diagnostics ?? [];
          io.stdout.write(
            json({
              valid: false,
              error: {
                code: errorCode(error) ?? "ERR_INTERNAL",
                message: (error as Error).message,
              },
              diagnostics,
            }),
          );
          setExit(exitCodeFor(error));
          return;
        }
        const summary = describePlan(plan);
        if (flags.json) {
          io.stdout.write(json({ valid: true, ...summary }));
          return;
        }
        io.stdout.write(
          `${runbook} is valid: "${summary.name}", ${summary.artifact_count} artifacts, child runbook depth ${summary.depth}\n\n`,
        );
        io.stdout.write(
          table(
            ["ARTIFACT", "PRODUCED BY", "SCHEMA", "FLAGS"],
            summary.artifacts.map((a) => [
              a.id,
              a.produced_by,
              a.schema ?? "(from reused run)",
              [a.output ? "output" : "", a.optional ? "optional" : ""].filter(Boolean).join(","),
            ]),
          ),
        );
      } finally {
        await store.close();
      }
    });
}
