import { Command } from "commander";
import type { CliContext } from "../context.js";
import { json } from "../format.js";

/** `wct schema`: prints the runbook JSON Schema (for editors). */
export function schemaCommand(ctx: CliContext): Command {
  return new Command("schema")
    .description("print the JSON Schema of runbooks (for editor validation and completion)")
    .action(async () => {
      const { runbookJsonSchema } = await import("@wct/runbook-schema");
      ctx.io.stdout.write(json(runbookJsonSchema()));
    });
}
