import type { PropertiesSchema, SchemaRef } from "@wct/plugin-api";
import { Command } from "commander";
import type { CliContext } from "../context.js";
import { json } from "../format.js";
import { pluginOption } from "../options.js";

interface ComponentsFlags {
  json?: boolean;
  plugin: string[];
}

const ref = (s: SchemaRef) => `${s.name}/${s.version}`;

/**
 * JSON Schema of a component's `properties`, when its schema implements Standard JSON
 * Schema (zod 4 does; others are shown as opaque).
 */
function propertiesJsonSchema(schema: PropertiesSchema | undefined): unknown {
  if (schema === undefined) return null;
  const converter = schema["~standard"].jsonSchema;
  if (converter === undefined) {
    return { description: `validated by the component's own ${schema["~standard"].vendor} schema` };
  }
  try {
    // zod reads `unrepresentable`: a refinement or transform then shows as "any".
    return converter.input({ target: "draft-2020-12", libraryOptions: { unrepresentable: "any" } });
  } catch {
    return {
      description: "validated by the component (schema not representable as JSON Schema)",
    };
  }
}

interface PropertyLine {
  name: string;
  type: string;
  required: boolean;
  default?: unknown;
  description?: string;
}

function propertyLines(jsonSchema: unknown): PropertyLine[] {
  const s = jsonSchema as {
    properties?: Record<
      string,
      { type?: unknown; default?: unknown; description?: string; anyOf?: unknown[] }
    >;
    required?: string[];
  } | null;
  if (!s?.properties) return [];
  return Object.entries(s.properties).map(([name, p]) => {
    const type = Array.isArray(p.type)
      ? p.type.join("|")
      : typeof p.type === "string"
        ? p.type
        : p.anyOf
          ? "any of"
          : "any";
    const line: PropertyLine = { name, type, required: s.required?.includes(name) ?? false };
    if (p.default !== undefined) line.default = p.default;
    if (p.description !== undefined) line.description = p.description;
    return line;
  });
}

/** `wct components`: every connector and processor known, with schemas and properties. */
export function componentsCommand(ctx: CliContext): Command {
  return new Command("components")
    .description("list the connectors and processors available, with their schemas and properties")
    .option("--json", "print the list as JSON")
    .addOption(pluginOption())
    .action(async (flags: ComponentsFlags) => {
      const { io } = ctx;
      // Loaded here, not at start-up: other commands never list components.
      const [{ createRegistry, loadPluginModules }, builtins] = await Promise.all([
        import("@wct/executor"),
        ctx.loadBuiltinPlugins(),
      ]);
      const loaded = await loadPluginModules(flags.plugin, io.cwd);
      const registry = createRegistry([...builtins, ...loaded]);
      const connectors = [...registry.connectors.entries()].map(([type, c]) => {
        const schema = propertiesJsonSchema(c.component.properties);
        return {
          type,
          plugin: c.plugin,
          description: c.component.description,
          output_schema: ref(c.component.outputSchema),
          properties: propertyLines(schema),
          properties_schema: schema,
        };
      });
      const processors = [...registry.processors.entries()].map(([type, p]) => {
        const schema = propertiesJsonSchema(p.component.properties);
        return {
          type,
          plugin: p.plugin,
          description: p.component.description,
          input_schemas: p.component.inputSchemas.map((combo) => combo.map(ref)),
          output_schema: ref(p.component.outputSchema),
          properties: propertyLines(schema),
          properties_schema: schema,
        };
      });
      if (flags.json) {
        io.stdout.write(json({ plugins: registry.plugins, connectors, processors }));
        return;
      }
      const out: string[] = [];
      const props = (lines: PropertyLine[]) =>
        lines.map(
          (l) =>
            `      ${l.name}${l.required ? "" : "?"}: ${l.type}${l.default !== undefined ? ` = ${JSON.stringify(l.default)}` : ""}${l.description ? `  — ${l.description}` : ""}`,
        );
      out.push("CONNECTORS");
      for (const c of connectors) {
        out.push(
          `  ${c.type}  (plugin ${c.plugin})`,
          `    ${c.description}`,
          `    output: ${c.output_schema}`,
        );
        if (c.properties.length) out.push("    properties:", ...props(c.properties));
      }
      out.push("", "PROCESSORS");
      for (const p of processors) {
        out.push(
          `  ${p.type}  (plugin ${p.plugin})`,
          `    ${p.description}`,
          `    inputs: ${p.input_schemas.map((combo) => combo.join(" + ")).join(" | ")}`,
          `    output: ${p.output_schema}`,
        );
        if (p.properties.length) out.push("    properties:", ...props(p.properties));
      }
      io.stdout.write(`${out.join("\n")}\n`);
    });
}
