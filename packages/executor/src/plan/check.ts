import type { PropertiesSchema, SchemaRef, StandardSchemaV1 } from "@wct/plugin-api";
import { formatSchemaRef } from "@wct/plugin-api";
import { allowedKeysAt } from "@wct/runbook-schema";
import { PlanDiagnosticCode } from "./codes.js";
import { type DiagnosticList, didYouMean } from "./diagnostics.js";
import type { FlatArtifact, InputSchemaExpectation } from "./flatten.js";
import type { ReuseLookup } from "./loaded.js";
import type { ComponentRegistry } from "./registry.js";

/**
 * What is known about an artifact's schema while checking: a schema, `null` (a reuse
 * whose source run was not consulted, or what passes it through), or `broken` (an
 * error was already reported on the way: checks that depend on it are skipped).
 */
export type SchemaState = SchemaRef | null | "broken";

/**
 * Looks up each artifact's component and validates its properties. Returns the
 * properties to plan with (parsed by the component's schema, or as written), by id.
 * With `reportUnknown: false` a type no plugin provides is passed over in silence
 * (the plugins that might provide it could not all be loaded).
 */
export async function checkComponents(
  artifacts: ReadonlyArray<FlatArtifact>,
  registry: ComponentRegistry,
  diagnostics: DiagnosticList,
  { reportUnknown = true }: { reportUnknown?: boolean } = {},
): Promise<Map<string, Record<string, unknown>>> {
  const properties = new Map<string, Record<string, unknown>>();
  for (const artifact of artifacts) {
    const slot =
      artifact.kind === "source" ? "source" : artifact.kind === "process" ? "process" : undefined;
    if (slot === undefined) {
      properties.set(artifact.id, {});
      continue;
    }
    const ref = slot === "source" ? artifact.def.source! : artifact.def.process!;
    const raw = ref.properties ?? {};
    properties.set(artifact.id, raw);
    const at = `artifacts.${artifact.localId}.${slot}`;
    const component =
      slot === "source"
        ? registry.connectors.get(ref.type)?.component
        : registry.processors.get(ref.type)?.component;
    if (component === undefined) {
      if (!reportUnknown) continue;
      const knownMap = slot === "source" ? registry.connectors : registry.processors;
      const otherMap = slot === "source" ? registry.processors : registry.connectors;
      const kindName = slot === "source" ? "connector" : "processor";
      const known = [...knownMap.keys()].sort();
      const other = otherMap.has(ref.type)
        ? ` "${ref.type}" is a ${slot === "source" ? "processor" : "connector"}: use it under ${slot === "source" ? "inputs + process" : "source"}.`
        : "";
      diagnostics.add(
        artifact.file,
        PlanDiagnosticCode.UnknownComponent,
        `Artifact "${artifact.localId}" uses ${kindName} "${ref.type}", which no loaded plugin provides. Known ${kindName}s: ${known.join(", ") || "(none)"}.${other}`,
        `${at}.type`,
        didYouMean(ref.type, known) ?? "load the plugin that provides it with plugins: or --plugin",
      );
      continue;
    }
    const schema = component.properties as PropertiesSchema | undefined;
    if (schema === undefined) continue;
    let result: StandardSchemaV1.Result<unknown>;
    try {
      result = await schema["~standard"].validate(raw);
    } catch (error) {
      diagnostics.add(
        artifact.file,
        PlanDiagnosticCode.InvalidProperties,
        `The properties schema of ${slot === "source" ? "connector" : "processor"} "${ref.type}" failed on the properties of "${artifact.localId}": ${error instanceof Error ? error.message : String(error)}.`,
        `${at}.properties`,
      );
      continue;
    }
    if (result.issues === undefined) {
      const data = result.value;
      properties.set(
        artifact.id,
        typeof data === "object" && data !== null && !Array.isArray(data)
          ? (data as Record<string, unknown>)
          : raw,
      );
      continue;
    }
    const issues = result.issues.length > 0 ? result.issues : [{ path: [], message: "invalid" }];
    const kindName = slot === "source" ? "connector" : "processor";
    for (const issue of issues) {
      const segments = (issue.path ?? []).map((segment) =>
        String(typeof segment === "object" ? segment.key : segment),
      );
      const unknownKeys = (issue as { keys?: unknown }).keys;
      if (Array.isArray(unknownKeys) && unknownKeys.every((k) => typeof k === "string")) {
        // zod's unrecognized_keys: one diagnostic per key, at the key, with a hint.
        const known = allowedKeysAt(schema, segments).sort();
        for (const key of unknownKeys as string[]) {
          const keyPath = [...segments, key];
          diagnostics.add(
            artifact.file,
            PlanDiagnosticCode.InvalidProperties,
            `Artifact "${artifact.localId}": ${kindName} "${ref.type}" has no property "${keyPath.join(".")}".`,
            [`${at}.properties`, ...keyPath].join("."),
            didYouMean(key, known) ??
              (known.length > 0 ? `known properties: ${known.join(", ")}` : undefined),
          );
        }
        continue;
      }
      const shown = segments.length > 0 ? `properties.${segments.join(".")}` : "properties";
      diagnostics.add(
        artifact.file,
        PlanDiagnosticCode.InvalidProperties,
        `Artifact "${artifact.localId}": ${shown} is invalid for ${kindName} "${ref.type}": ${issue.message}.`,
        [`${at}.properties`, ...segments].join("."),
      );
    }
  }
  return properties;
}

/**
 * Works out every artifact's output schema in `order` (a topological order of the
 * artifacts not on a cycle) and reports what does not fit. Artifacts left out of
 * `order` stay `broken`. A `reuse` artifact takes the schema `reuse` holds for it
 * (`null` when it holds none: no resolver was given).
 */
export function checkSchemas(
  artifacts: ReadonlyArray<FlatArtifact>,
  order: ReadonlyArray<number>,
  registry: ComponentRegistry,
  reuse: ReadonlyArray<ReuseLookup>,
  expectations: ReadonlyArray<InputSchemaExpectation>,
  diagnostics: DiagnosticList,
): Map<string, SchemaState> {
  const reuseSchemas = new Map(reuse.map((lookup) => [reuseKey(lookup), lookup]));
  const schemas = new Map<string, SchemaState>();
  for (const artifact of artifacts) schemas.set(artifact.id, "broken");
  for (const index of order) {
    const artifact = artifacts[index]!;
    schemas.set(artifact.id, schemaOf(artifact, schemas, registry, reuseSchemas, diagnostics));
  }
  for (const expectation of expectations) {
    const actual = schemas.get(expectation.artifact);
    if (actual === undefined || actual === null || actual === "broken") continue;
    if (sameSchema(actual, expectation.expected)) continue;
    diagnostics.add(
      expectation.target,
      PlanDiagnosticCode.SchemaMismatch,
      `Input "${expectation.inputName}" of ${expectation.childFile} expects schema ${formatSchemaRef(expectation.expected)}, but "${expectation.artifact}" gives ${formatSchemaRef(actual)}.`,
      expectation.path,
    );
  }
  return schemas;
}

/** Identifies a `reuse` reference: its run (as written) and artifact. */
export function reuseKey(ref: { from_run: string; artifact: string }): string {
  return `${ref.from_run}\u0000${ref.artifact}`;
}

function schemaOf(
  artifact: FlatArtifact,
  schemas: ReadonlyMap<string, SchemaState>,
  registry: ComponentRegistry,
  reuseSchemas: ReadonlyMap<string, ReuseLookup>,
  diagnostics: DiagnosticList,
): SchemaState {
  const at = `artifacts.${artifact.localId}`;
  const inputStates = artifact.inputs.map((id) => schemas.get(id) ?? "broken");
  const inputsBroken = artifact.broken || inputStates.includes("broken");
  const mismatch = (message: string, path: string) =>
    diagnostics.add(artifact.file, PlanDiagnosticCode.SchemaMismatch, message, path);
  const declared = artifact.def.output_schema;
  /** Checks `output_schema` against what the artifact produces; returns the state to keep. */
  const withDeclared = (produced: SchemaState, what: string): SchemaState => {
    if (declared === undefined || produced === null || produced === "broken") return produced;
    if (sameSchema(declared, produced)) return produced;
    mismatch(
      `Artifact "${artifact.localId}" declares output_schema ${formatSchemaRef(declared)}, but ${what} produces ${formatSchemaRef(produced)}.`,
      `${at}.output_schema`,
    );
    return "broken";
  };

  switch (artifact.kind) {
    case "source": {
      const type = artifact.def.source!.type;
      const connector = registry.connectors.get(type)?.component;
      if (connector === undefined) return "broken";
      return withDeclared(connector.outputSchema, `connector "${type}"`);
    }
    case "process": {
      const type = artifact.def.process!.type;
      const processor = registry.processors.get(type)?.component;
      if (processor === undefined) return "broken";
      if (!inputsBroken) {
        const given = inputStates as (SchemaRef | null)[];
        const accepted = processor.inputSchemas.some(
          (combination) =>
            combination.length === given.length &&
            combination.every((ref, i) => given[i] === null || sameSchema(ref, given[i]!)),
        );
        if (!accepted) {
          const givenText = `[${given.map((ref, i) => `${ref === null ? "unknown" : formatSchemaRef(ref)} (from ${artifact.inputs[i]})`).join(", ")}]`;
          const acceptedText =
            processor.inputSchemas
              .map((combination) => `[${combination.map(formatSchemaRef).join(", ")}]`)
              .join(" or ") || "nothing";
          mismatch(
            `Processor "${type}" of "${artifact.localId}" does not accept its inputs: given ${givenText}; it accepts ${acceptedText}.`,
            `${at}.inputs`,
          );
        }
      }
      return withDeclared(processor.outputSchema, `processor "${type}"`);
    }
    case "passthrough": {
      if (inputsBroken || inputStates.length !== 1) return "broken";
      return withDeclared(inputStates[0]!, `its input "${artifact.inputs[0]}"`);
    }
    case "merge": {
      if (inputsBroken) return "broken";
      const known = inputStates.filter(
        (state): state is SchemaRef => state !== null && state !== "broken",
      );
      const distinct = [...new Map(known.map((ref) => [formatSchemaRef(ref), ref])).values()];
      if (distinct.length > 1) {
        const listed = artifact.inputs
          .map((id, i) => {
            const state = inputStates[i];
            return `${id}: ${state === null || state === "broken" || state === undefined ? "unknown" : formatSchemaRef(state)}`;
          })
          .join(", ");
        mismatch(
          `Merge "${artifact.localId}" needs inputs of one schema, but they have several (${listed}).`,
          `${at}.inputs`,
        );
        return "broken";
      }
      return withDeclared(distinct[0] ?? null, "the merge of its inputs");
    }
    case "reuse": {
      const ref = artifact.def.reuse!;
      const outcome = reuseSchemas.get(reuseKey(ref));
      if (outcome === undefined) return null;
      if ("error" in outcome) {
        const error = outcome.error;
        const field = error.code === "ERR_REUSE_ARTIFACT_NOT_FOUND" ? "artifact" : "from_run";
        diagnostics.add(
          artifact.file,
          error.code,
          `Artifact "${artifact.localId}" reuses ${ref.from_run}/${ref.artifact}: ${typeof error.message === "string" ? error.message : "it cannot be reused"}`,
          `${at}.reuse.${field}`,
        );
        return "broken";
      }
      return withDeclared(outcome.schema, `run ${ref.from_run}'s artifact "${ref.artifact}"`);
    }
  }
}

export function sameSchema(a: SchemaRef, b: SchemaRef): boolean {
  return a.name === b.name && a.version === b.version;
}
