// Writes runbook.schema.json from the zod schema: `pnpm --filter @wct/runbook-schema generate`.
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { runbookJsonSchema } from "../src/json-schema.js";

const target = fileURLToPath(new URL("../runbook.schema.json", import.meta.url));
writeFileSync(target, `${JSON.stringify(runbookJsonSchema(), null, 2)}\n`);
console.log(`wrote ${target}`);
