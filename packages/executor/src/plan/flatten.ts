import { readFile, stat } from "node:fs/promises";
import { dirname, join, relative, resolve, sep } from "node:path";
import {
  type ArtifactDefinition,
  CONFIG_DEFAULTS,
  type OutputSchemaRef,
  type ParseOptions,
  type ParseResult,
  type Runbook,
} from "@wct/runbook-schema";
import { MAX_SEGMENT_LENGTH } from "@wct/store-core";
import type { ArtifactKind } from "../types.js";
import { type ChildSearchRoot, childPathProblem, resolveChildPath } from "./child-path.js";
import { PlanDiagnosticCode } from "./codes.js";
import { decodeRunbook } from "./decode.js";
import { type DiagnosticList, type DiagnosticTarget, didYouMean } from "./diagnostics.js";

/** Parses one runbook file's text (`parseRunbook` of `@wct/runbook-schema`). */
export type ParseRunbook = (text: string, options: ParseOptions) => ParseResult;

/** One runbook file taking part in a plan. */
export interface RunbookFile extends DiagnosticTarget {
  /** Absolute path, as reached (links not resolved). */
  absPath: string;
  /** Absolute path with links resolved: identifies the file for cycles and reuse. */
  realPath: string;
  /** Relative to the root runbook's folder, `/`-separated. */
  relPath: string;
  /** Absolute folder of the file. */
  baseDir: string;
  bytes: Uint8Array;
  text: string;
  /** Undefined when the file did not parse; what could be salvaged when `partial` is set. */
  runbook?: Runbook;
  /**
   * Set when the file did not validate but parts of it could be salvaged: `runbook`
   * then holds only what validated on its own. The plan is only checked, never made.
   */
  partial?: PartialFile;
}

/** What is missing from the `runbook` of a file that validated only in part. */
export interface PartialFile {
  /** Ids of artifacts the file declares that did not validate (already reported). */
  invalidArtifacts: ReadonlySet<string>;
  /** `inputs` of invalid artifacts that validated on their own, by id: still checked. */
  invalidArtifactInputs: ReadonlyMap<string, ReadonlyArray<string>>;
  /** Fields not taken as written (`plugins`, `inputs`, `config.template_paths`, ...). */
  invalidFields: ReadonlySet<string>;
}

/** The {@link PartialFile} of a failed parse, or undefined when nothing was salvaged. */
export function partialFileOf(parsed: ParseResult): PartialFile | undefined {
  if (parsed.ok || parsed.partial === undefined) return undefined;
  return {
    invalidArtifacts: new Set(parsed.partial.invalidArtifacts),
    invalidArtifactInputs: new Map(Object.entries(parsed.partial.invalidArtifactInputs)),
    invalidFields: new Set(parsed.partial.invalidFields),
  };
}

/** An artifact after child runbooks are inlined, before components are consulted. */
export interface FlatArtifact {
  /** Flattened id (`<directive>__<id>` inside child runbooks). */
  id: string;
  /** Id in its own file. */
  localId: string;
  file: RunbookFile;
  def: ArtifactDefinition;
  kind: ArtifactKind;
  /** Flattened ids of the inputs that could be resolved, in order. */
  inputs: string[];
  /** Some input or child link could not be resolved (already reported): skip schema checks. */
  broken: boolean;
}

/** A child runbook input with a declared `input_schema`: the mapped artifact must have it. */
export interface InputSchemaExpectation {
  /** The directive's file and the path to report at. */
  target: DiagnosticTarget;
  path: string;
  inputName: string;
  childFile: string;
  /** Flattened id of the parent artifact mapped to the input. */
  artifact: string;
  expected: OutputSchemaRef;
}

export interface FlattenResult {
  /** Root first, then child runbooks in first-inclusion order, each once. */
  files: RunbookFile[];
  /** Declaration order; a directive's child artifacts come just before it. */
  artifacts: FlatArtifact[];
  /** Deepest nesting reached. */
  depth: number;
  inputSchemaExpectations: InputSchemaExpectation[];
}

interface FlattenContext {
  parse: ParseRunbook;
  env: Record<string, string | undefined> | undefined;
  root: RunbookFile;
  /** Folder of the root runbook as the caller named it, for diagnostics' `file`. */
  rootDisplayDir: string;
  maxChildDepth: number;
  templateRoots: ChildSearchRoot[];
  diagnostics: DiagnosticList;
  files: RunbookFile[];
  byRealPath: Map<string, RunbookFile | null>;
  artifacts: FlatArtifact[];
  depth: number;
  inputSchemaExpectations: InputSchemaExpectation[];
}

/**
 * What a child input name stands for inside an inlined child: a parent artifact id,
 * or nothing (an optional input left unmapped, or a mapping already reported as wrong).
 */
type Binding = { artifact: string } | { unmapped: "optional" | "broken" };

/** Inlines every child runbook of `root` (already parsed), reporting problems to `diagnostics`. */
export async function flattenRunbook(
  root: RunbookFile & { runbook: Runbook },
  options: {
    parse: ParseRunbook;
    env: Record<string, string | undefined> | undefined;
    rootDisplayDir: string;
    diagnostics: DiagnosticList;
  },
): Promise<FlattenResult> {
  const config = root.runbook.config;
  const context: FlattenContext = {
    parse: options.parse,
    env: options.env,
    root,
    rootDisplayDir: options.rootDisplayDir,
    maxChildDepth: config?.max_child_depth ?? CONFIG_DEFAULTS.max_child_depth,
    templateRoots: (config?.template_paths ?? []).map((dir) => ({
      dir: resolve(root.baseDir, dir),
      label: `template path "${dir}"`,
    })),
    diagnostics: options.diagnostics,
    files: [root],
    byRealPath: new Map([[root.realPath, root]]),
    artifacts: [],
    depth: 0,
    inputSchemaExpectations: [],
  };
  await inline(context, root, root.runbook, "", new Map(), 0, [root], undefined);
  reportBadIds(context);
  return {
    files: context.files,
    artifacts: context.artifacts,
    depth: context.depth,
    inputSchemaExpectations: context.inputSchemaExpectations,
  };
}

/** Kind of an artifact from its definition (a child directive is a pass-through). */
export function kindOf(def: ArtifactDefinition): ArtifactKind | undefined {
  if (def.source) return "source";
  if (def.reuse) return "reuse";
  if (def.inputs) {
    if (def.child_runbook) return "passthrough";
    if (def.process) return "process";
    return def.merge !== undefined || def.inputs.length > 1 ? "merge" : "passthrough";
  }
  return undefined;
}

async function inline(
  context: FlattenContext,
  file: RunbookFile,
  runbook: Runbook,
  prefix: string,
  bindings: ReadonlyMap<string, Binding>,
  depth: number,
  chain: ReadonlyArray<RunbookFile>,
  includedBy: { target: DiagnosticTarget; path: string; id: string } | undefined,
): Promise<void> {
  const artifacts = runbook.artifacts ?? {};
  const localIds = Object.keys(artifacts);
  const local = new Set(localIds);
  // Declared but invalid (already reported): known ids, just not usable.
  const invalid = file.partial?.invalidArtifacts ?? new Set<string>();
  const known = [...localIds, ...invalid, ...bindings.keys()];
  for (const localId of localIds) {
    const def = artifacts[localId]!;
    const at = `artifacts.${localId}`;
    const id = prefix + localId;
    const kind = kindOf(def);
    let broken = false;
    if (kind === undefined) {
      context.diagnostics.add(
        file,
        PlanDiagnosticCode.UnknownComponent,
        `Artifact "${localId}" declares none of source, inputs, reuse: say how it is produced.`,
        at,
      );
      broken = true;
    }
    const inputs: string[] = [];
    /** Parent ids of this artifact's `inputs` entries, by the name written. */
    const resolvedByName = new Map<string, string>();
    const written = def.inputs ?? [];
    let droppedOptional: string[] = [];
    written.forEach((ref, index) => {
      if (local.has(ref)) {
        inputs.push(prefix + ref);
        resolvedByName.set(ref, prefix + ref);
        return;
      }
      if (invalid.has(ref)) {
        broken = true;
        return;
      }
      const binding = bindings.get(ref);
      if (binding !== undefined) {
        if ("artifact" in binding) {
          inputs.push(binding.artifact);
          resolvedByName.set(ref, binding.artifact);
        } else if (binding.unmapped === "optional") {
          droppedOptional = [...droppedOptional, ref];
        } else {
          broken = true;
        }
        return;
      }
      broken = true;
      if (includedBy === undefined && runbook.inputs !== undefined && ref in runbook.inputs) {
        context.diagnostics.add(
          file,
          PlanDiagnosticCode.UnknownArtifact,
          `Artifact "${localId}" takes "${ref}", an input of this child runbook: only a runbook that includes it (child_runbook) can provide it.`,
          `${at}.inputs.${index}`,
          "plan the parent runbook instead",
        );
        return;
      }
      const where = bindings.size > 0 ? "artifact or input of this runbook" : "artifact";
      context.diagnostics.add(
        file,
        PlanDiagnosticCode.UnknownArtifact,
        `Artifact "${localId}" takes input "${ref}", but there is no ${where} "${ref}".`,
        `${at}.inputs.${index}`,
        didYouMean(
          ref,
          known.filter((candidate) => candidate !== localId),
        ) ?? `known ids: ${known.join(", ") || "(none)"}`,
      );
    });
    // A directive's own inputs only feed its input_mapping, so it may be left with none.
    const noInputsLeft = written.length > 0 && inputs.length === 0 && droppedOptional.length > 0;
    if (noInputsLeft && !broken && !def.child_runbook) {
      broken = true;
      context.diagnostics.add(
        includedBy?.target ?? file,
        PlanDiagnosticCode.ChildMapping,
        `Artifact "${localId}" of ${file.relPath} takes only the optional input(s) ${droppedOptional.map((n) => `"${n}"`).join(", ")}, which ${includedBy ? `"${includedBy.id}"` : "the directive"} does not map: it would have no inputs.`,
        includedBy ? `${includedBy.path}.child_runbook.input_mapping` : `${at}.inputs`,
        `map ${droppedOptional.map((n) => `"${n}"`).join(", ")} in input_mapping`,
      );
    }
    if (def.child_runbook && def.inputs) {
      const output = await includeChild(
        context,
        file,
        localId,
        id,
        def,
        resolvedByName,
        droppedOptional,
        depth,
        chain,
      );
      context.artifacts.push({
        id,
        localId,
        file,
        def,
        kind: "passthrough",
        inputs: output === undefined ? [] : [output],
        broken: broken || output === undefined,
      });
      continue;
    }
    context.artifacts.push({ id, localId, file, def, kind: kind ?? "passthrough", inputs, broken });
  }
  checkInvalidArtifactInputs(context, file, runbook, bindings, known, includedBy !== undefined);
}

/**
 * Reports the unknown references of artifacts that failed their schema for another
 * reason (a misspelt key), so that fixing that reason does not reveal a new problem.
 * Such an artifact is never planned; only its references are checked.
 */
function checkInvalidArtifactInputs(
  context: FlattenContext,
  file: RunbookFile,
  runbook: Runbook,
  bindings: ReadonlyMap<string, Binding>,
  known: ReadonlyArray<string>,
  included: boolean,
): void {
  const partial = file.partial;
  if (partial === undefined) return;
  const local = new Set(Object.keys(runbook.artifacts ?? {}));
  for (const [localId, written] of partial.invalidArtifactInputs) {
    written.forEach((ref, index) => {
      if (local.has(ref) || partial.invalidArtifacts.has(ref) || bindings.has(ref)) return;
      if (!included && runbook.inputs !== undefined && ref in runbook.inputs) {
        context.diagnostics.add(
          file,
          PlanDiagnosticCode.UnknownArtifact,
          `Artifact "${localId}" takes "${ref}", an input of this child runbook: only a runbook that includes it (child_runbook) can provide it.`,
          `artifacts.${localId}.inputs.${index}`,
          "plan the parent runbook instead",
        );
        return;
      }
      const where = bindings.size > 0 ? "artifact or input of this runbook" : "artifact";
      context.diagnostics.add(
        file,
        PlanDiagnosticCode.UnknownArtifact,
        `Artifact "${localId}" takes input "${ref}", but there is no ${where} "${ref}".`,
        `artifacts.${localId}.inputs.${index}`,
        didYouMean(
          ref,
          known.filter((candidate) => candidate !== localId),
        ) ?? `known ids: ${known.join(", ") || "(none)"}`,
      );
    });
  }
}

/**
 * Loads, checks and inlines the child runbook of directive `localId`. Returns the
 * flattened id of the child artifact the directive passes through, or undefined when
 * that cannot be known (already reported).
 */
async function includeChild(
  context: FlattenContext,
  file: RunbookFile,
  localId: string,
  id: string,
  def: ArtifactDefinition,
  resolvedByName: ReadonlyMap<string, string>,
  droppedOptional: ReadonlyArray<string>,
  depth: number,
  chain: ReadonlyArray<RunbookFile>,
): Promise<string | undefined> {
  const ref = def.child_runbook!;
  const at = `artifacts.${localId}.child_runbook`;
  const report = (code: string, message: string, path: string, hint?: string) =>
    context.diagnostics.add(file, code, message, path, hint);

  const problem = childPathProblem(ref.path);
  if (problem !== undefined) {
    report(
      PlanDiagnosticCode.ChildPath,
      `Child runbook path "${ref.path}" of "${localId}" ${problem}.`,
      `${at}.path`,
    );
    return undefined;
  }
  const roots: ChildSearchRoot[] = [
    { dir: file.baseDir, label: `the folder of ${file.relPath}` },
    ...context.templateRoots,
  ];
  const found = await resolveChildPath(ref.path, roots);
  const rootFields = context.root.partial?.invalidFields;
  if (found.status === "not-found") {
    // Looked for in template paths that are not the ones written: say nothing.
    if (rootFields?.has("config.template_paths")) return undefined;
    report(
      PlanDiagnosticCode.ChildNotFound,
      `Child runbook "${ref.path}" of "${localId}" was not found; looked at ${found.searched.join(", ")}.`,
      `${at}.path`,
      "check the path, or add its folder to config.template_paths of the root runbook",
    );
    return undefined;
  }
  if (found.status === "escapes") {
    report(
      PlanDiagnosticCode.ChildPath,
      `Child runbook "${ref.path}" of "${localId}" resolves to ${found.realPath}, outside ${found.root.label} (${found.root.dir}); links may not leave it.`,
      `${at}.path`,
    );
    return undefined;
  }
  const cycleStart = chain.findIndex((member) => member.realPath === found.realPath);
  if (cycleStart !== -1) {
    const names = [
      ...chain.slice(cycleStart).map((member) => member.relPath),
      chain[cycleStart]!.relPath,
    ];
    report(
      PlanDiagnosticCode.ChildCycle,
      `Child runbooks include each other in a cycle: ${names.join(" -> ")}.`,
      `${at}.path`,
    );
    return undefined;
  }
  const childDepth = depth + 1;
  if (childDepth > context.maxChildDepth) {
    if (rootFields?.has("config.max_child_depth")) return undefined;
    const names = [...chain.map((member) => member.relPath), relativeToRoot(context, found.path)];
    report(
      PlanDiagnosticCode.ChildDepth,
      `Child runbooks nest ${childDepth} deep (${names.join(" -> ")}), deeper than max_child_depth ${context.maxChildDepth}.`,
      `${at}.path`,
      "raise config.max_child_depth in the root runbook, or flatten the nesting",
    );
    return undefined;
  }
  const child = await loadChild(context, found.path, found.realPath);
  if (child === undefined) {
    const isFolder = await stat(found.path).then(
      (s) => s.isDirectory(),
      () => false,
    );
    report(
      PlanDiagnosticCode.ChildNotFound,
      isFolder
        ? `Child runbook "${ref.path}" of "${localId}" is a folder (${found.path}), not a runbook file.`
        : `Child runbook "${ref.path}" of "${localId}" could not be read (${found.path}).`,
      `${at}.path`,
    );
    return undefined;
  }
  context.depth = Math.max(context.depth, childDepth);
  const runbook = child.runbook;
  if (runbook === undefined) return undefined; // its parse diagnostics are reported
  const childFields = child.partial?.invalidFields;
  if (childFields?.has("inputs") || childFields?.has("outputs")) {
    // The child's interface is not as written (already reported): check its valid
    // artifacts, but not how the directive maps to it.
    const unknownBindings = new Map<string, Binding>(
      Object.keys(runbook.inputs ?? {}).map((name) => [name, { unmapped: "broken" }]),
    );
    await inline(
      context,
      child,
      runbook,
      `${id}__`,
      unknownBindings,
      childDepth,
      [...chain, child],
      {
        target: file,
        path: `artifacts.${localId}`,
        id: localId,
      },
    );
    return undefined;
  }

  let usable = true;
  const declaredInputs = runbook.inputs;
  if (declaredInputs === undefined) {
    report(
      PlanDiagnosticCode.ChildMapping,
      `${child.relPath} is not a child runbook: it declares no "inputs".`,
      `${at}.path`,
      "declare the inputs the child runbook takes under a top-level inputs: key",
    );
    usable = false;
  }
  const declaredOutputs = runbook.outputs;
  if (declaredOutputs === undefined || Object.keys(declaredOutputs).length === 0) {
    report(
      PlanDiagnosticCode.ChildOutput,
      `${child.relPath} declares no "outputs": the directive "${localId}" has nothing to pass through.`,
      `${at}.path`,
    );
    usable = false;
  }

  // Child input name -> what it stands for.
  const bindings = new Map<string, Binding>();
  const inputNames = Object.keys(declaredInputs ?? {});
  const directiveInputs = def.inputs ?? [];
  // Without input_mapping, one directive input feeds the child's only input, or its
  // only required one (optional ones then stay unmapped).
  const requiredNames = inputNames.filter((name) => !declaredInputs?.[name]?.optional);
  const implicitInput =
    inputNames.length === 1
      ? inputNames[0]
      : requiredNames.length === 1
        ? requiredNames[0]
        : undefined;
  const bind = (name: string, parentRef: string, path: string) => {
    const artifact = resolvedByName.get(parentRef);
    if (artifact === undefined && droppedOptional.includes(parentRef)) {
      // An optional input of the including runbook, left unmapped by its own parent:
      // fine for an optional input of this child, a gap for a required one.
      if (declaredInputs?.[name]?.optional) {
        bindings.set(name, { unmapped: "optional" });
        return;
      }
      report(
        PlanDiagnosticCode.ChildMapping,
        `Input "${name}" of ${child.relPath} is required, but "${localId}" maps it to "${parentRef}", an optional input that is not provided here.`,
        path,
        `map "${parentRef}" where this runbook is included, or make "${name}" optional`,
      );
      bindings.set(name, { unmapped: "broken" });
      return;
    }
    bindings.set(name, artifact === undefined ? { unmapped: "broken" } : { artifact });
    const expected = declaredInputs?.[name]?.input_schema;
    if (artifact !== undefined && expected !== undefined) {
      context.inputSchemaExpectations.push({
        target: file,
        path,
        inputName: name,
        childFile: child.relPath,
        artifact,
        expected,
      });
    }
  };
  if (declaredInputs !== undefined) {
    if (ref.input_mapping !== undefined) {
      for (const [name, parentRef] of Object.entries(ref.input_mapping)) {
        const path = `${at}.input_mapping.${name}`;
        if (!(name in declaredInputs)) {
          report(
            PlanDiagnosticCode.ChildMapping,
            `input_mapping of "${localId}" maps "${name}", but ${child.relPath} declares no input "${name}" (it declares ${inputNames.map((n) => `"${n}"`).join(", ") || "none"}).`,
            path,
            didYouMean(name, inputNames),
          );
          continue;
        }
        if (!directiveInputs.includes(parentRef)) {
          report(
            PlanDiagnosticCode.ChildMapping,
            `input_mapping of "${localId}" maps "${name}" to "${parentRef}", which is not one of its inputs (${directiveInputs.join(", ")}).`,
            path,
            didYouMean(parentRef, directiveInputs) ??
              `add "${parentRef}" to inputs of "${localId}"`,
          );
          bindings.set(name, { unmapped: "broken" });
          continue;
        }
        bind(name, parentRef, path);
      }
    } else if (implicitInput !== undefined && directiveInputs.length === 1) {
      bind(implicitInput, directiveInputs[0]!, `${at}`);
    } else if (inputNames.length > 0) {
      report(
        PlanDiagnosticCode.ChildMapping,
        `"${localId}" must say which of its inputs (${directiveInputs.join(", ")}) feeds which input of ${child.relPath} (${inputNames.join(", ")}).`,
        at,
        "add input_mapping: {<child input>: <artifact id>}",
      );
      for (const name of inputNames) bindings.set(name, { unmapped: "broken" });
    }
    for (const name of inputNames) {
      if (bindings.has(name)) continue;
      if (declaredInputs[name]!.optional) {
        bindings.set(name, { unmapped: "optional" });
        continue;
      }
      report(
        PlanDiagnosticCode.ChildMapping,
        `Input "${name}" of ${child.relPath} is required, but "${localId}" does not map it.`,
        ref.input_mapping !== undefined ? `${at}.input_mapping` : at,
        `add "${name}: <artifact id>" to input_mapping`,
      );
      bindings.set(name, { unmapped: "broken" });
    }
  }

  let outputArtifact: string | undefined;
  if (declaredOutputs !== undefined && Object.keys(declaredOutputs).length > 0) {
    const outputNames = Object.keys(declaredOutputs);
    let outputName = ref.output;
    if (outputName === undefined) {
      if (outputNames.length === 1) outputName = outputNames[0]!;
      else
        report(
          PlanDiagnosticCode.ChildOutput,
          `${child.relPath} declares several outputs (${outputNames.join(", ")}); "${localId}" must name one.`,
          at,
          "add output: <name> under child_runbook",
        );
    }
    if (outputName !== undefined) {
      const declared = declaredOutputs[outputName];
      if (declared === undefined) {
        report(
          PlanDiagnosticCode.ChildOutput,
          `${child.relPath} declares no output "${outputName}" (it declares ${outputNames.join(", ")}).`,
          `${at}.output`,
          didYouMean(outputName, outputNames),
        );
      } else if (child.partial?.invalidArtifacts.has(declared.artifact)) {
        // Declared but invalid: already reported in the child.
      } else if (!(declared.artifact in (runbook.artifacts ?? {}))) {
        context.diagnostics.add(
          child,
          PlanDiagnosticCode.ChildOutput,
          `Output "${outputName}" names artifact "${declared.artifact}", which ${child.relPath} does not declare.`,
          `outputs.${outputName}.artifact`,
          didYouMean(declared.artifact, Object.keys(runbook.artifacts ?? {})),
        );
      } else {
        outputArtifact = `${id}__${declared.artifact}`;
      }
    }
  }

  await inline(context, child, runbook, `${id}__`, bindings, childDepth, [...chain, child], {
    target: file,
    path: `artifacts.${localId}`,
    id: localId,
  });
  return usable ? outputArtifact : undefined;
}

async function loadChild(
  context: FlattenContext,
  absPath: string,
  realPath: string,
): Promise<RunbookFile | undefined> {
  const cached = context.byRealPath.get(realPath);
  if (cached !== undefined) return cached ?? undefined;
  let bytes: Uint8Array;
  try {
    bytes = await readFile(absPath);
  } catch {
    context.byRealPath.set(realPath, null);
    return undefined;
  }
  const relPath = relativeToRoot(context, absPath);
  const displayFile = join(context.rootDisplayDir, ...relPath.split("/"));
  const decoded = decodeRunbook(bytes, displayFile);
  const text = "text" in decoded ? decoded.text : "";
  const parsed =
    "text" in decoded ? context.parse(text, { file: displayFile, env: context.env }) : undefined;
  const file: RunbookFile = {
    absPath,
    realPath,
    relPath,
    baseDir: dirname(absPath),
    bytes,
    text,
    displayFile,
    locate: parsed?.locate ?? (() => undefined),
  };
  if ("diagnostic" in decoded) context.diagnostics.push(decoded.diagnostic);
  else if (parsed?.ok) file.runbook = parsed.runbook;
  else if (parsed !== undefined) {
    context.diagnostics.push(...parsed.diagnostics);
    const partial = partialFileOf(parsed);
    if (partial !== undefined && parsed.partial !== undefined) {
      file.runbook = parsed.partial.runbook;
      file.partial = partial;
    }
  }
  context.byRealPath.set(realPath, file);
  context.files.push(file);
  return file;
}

function relativeToRoot(context: FlattenContext, absPath: string): string {
  return relative(context.root.baseDir, absPath).split(sep).join("/");
}

/** Inlined ids that collide, or that grow longer than a store key segment allows. */
function reportBadIds(context: FlattenContext): void {
  const seen = new Map<string, FlatArtifact>();
  for (const artifact of context.artifacts) {
    if (artifact.id.length > MAX_SEGMENT_LENGTH) {
      context.diagnostics.add(
        artifact.file,
        PlanDiagnosticCode.InvalidArtifactId,
        `Artifact "${artifact.localId}" in ${artifact.file.relPath} becomes "${artifact.id}" once child runbooks are inlined: ${artifact.id.length} characters, more than the ${MAX_SEGMENT_LENGTH} an artifact id may have.`,
        `artifacts.${artifact.localId}`,
        "use shorter ids for the child runbook directives or the child's artifacts",
      );
    }
    const first = seen.get(artifact.id);
    if (first === undefined) {
      seen.set(artifact.id, artifact);
      continue;
    }
    context.diagnostics.add(
      artifact.file,
      PlanDiagnosticCode.DuplicateArtifact,
      `Artifact id "${artifact.id}" (from "${artifact.localId}" in ${artifact.file.relPath}) is also the id of "${first.localId}" in ${first.file.relPath} once child runbooks are inlined.`,
      `artifacts.${artifact.localId}`,
      'rename one of them; avoid "__" in ids, which inlined child artifacts use',
    );
  }
}
