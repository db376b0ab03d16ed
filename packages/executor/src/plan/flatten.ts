import { relative, sep } from "node:path";
import {
  type ArtifactDefinition,
  CONFIG_DEFAULTS,
  type OutputSchemaRef,
  type Runbook,
} from "@wct/runbook-schema";
import { MAX_SEGMENT_LENGTH } from "@wct/store-core";
import type { ArtifactKind } from "../types.js";
import { childPathProblem } from "./child-path.js";
import { PlanDiagnosticCode } from "./codes.js";
import { type DiagnosticList, type DiagnosticTarget, didYouMean } from "./diagnostics.js";
import type { LoadedRunbook, LoadedRunbookFile, RunbookFile } from "./loaded.js";

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

/** What flattening builds up while it walks the root and its children. */
interface FlattenContext {
  loaded: LoadedRunbook;
  maxChildDepth: number;
  diagnostics: DiagnosticList;
  files: RunbookFile[];
  /** Real paths of the files already in `files`. */
  included: Set<string>;
  artifacts: FlatArtifact[];
  depth: number;
  inputSchemaExpectations: InputSchemaExpectation[];
}

/**
 * What a child input name stands for inside an inlined child: a parent artifact id,
 * or nothing (an optional input left unmapped, or a mapping already reported as wrong).
 */
type Binding = { artifact: string } | { unmapped: "optional" | "broken" };

/** One runbook being inlined: the root, or a child at `depth` under `prefix`. */
interface Scope {
  file: LoadedRunbookFile;
  runbook: Runbook;
  /** Prepended to the file's ids (`<directive>__`), empty for the root. */
  prefix: string;
  /** What the child's input names stand for; empty for the root. */
  bindings: ReadonlyMap<string, Binding>;
  depth: number;
  /** The files from the root down to this one, for cycles and depth messages. */
  chain: ReadonlyArray<RunbookFile>;
  /** The directive that includes this file, or undefined for the root. */
  includedBy: { target: DiagnosticTarget; path: string; id: string } | undefined;
  /** Ids an input may name here: artifacts (valid or not) and input names. */
  known: ReadonlyArray<string>;
}

/** A `child_runbook` directive being inlined. */
interface Directive {
  scope: Scope;
  localId: string;
  /** Flattened id of the directive. */
  id: string;
  def: ArtifactDefinition & { child_runbook: NonNullable<ArtifactDefinition["child_runbook"]> };
  /** Where diagnostics about the directive's `child_runbook` point. */
  at: string;
  /** Parent ids of the directive's `inputs` entries, by the name written. */
  resolvedByName: ReadonlyMap<string, string>;
  /** Its inputs that are optional inputs of its own runbook, left unmapped. */
  droppedOptional: ReadonlyArray<string>;
}

/**
 * Inlines every child runbook of the root of `loaded` (which must have parsed at
 * least in part), reporting problems to `diagnostics`. Pure: child runbooks come from
 * `loaded.children`, looked up by where `loaded` says each path was found.
 */
export function flattenRunbook(loaded: LoadedRunbook, diagnostics: DiagnosticList): FlattenResult {
  const root = loaded.root;
  const runbook = root.runbook;
  if (runbook === undefined) throw new Error("flattenRunbook: the root runbook did not parse");
  const context: FlattenContext = {
    loaded,
    maxChildDepth: runbook.config?.max_child_depth ?? CONFIG_DEFAULTS.max_child_depth,
    diagnostics,
    files: [root],
    included: new Set([root.realPath]),
    artifacts: [],
    depth: 0,
    inputSchemaExpectations: [],
  };
  inline(context, {
    file: root,
    runbook,
    prefix: "",
    bindings: new Map(),
    depth: 0,
    chain: [root],
    includedBy: undefined,
  });
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

/** Adds the artifacts of one runbook file (and, depth first, of its children). */
function inline(context: FlattenContext, where: Omit<Scope, "known">): void {
  const localIds = Object.keys(where.runbook.artifacts ?? {});
  // Declared but invalid (already reported): known ids, just not usable.
  const invalid = where.file.partial?.invalidArtifacts ?? new Set<string>();
  const known = [...localIds, ...invalid, ...where.bindings.keys()];
  const scope: Scope = { ...where, known };
  for (const localId of localIds) inlineArtifact(context, scope, localId);
  checkInvalidArtifactInputs(context, scope);
}

function inlineArtifact(context: FlattenContext, scope: Scope, localId: string): void {
  const { file, prefix, includedBy } = scope;
  const def = scope.runbook.artifacts![localId]!;
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
  const resolved = resolveInputs(context, scope, localId, def.inputs ?? []);
  broken ||= resolved.broken;
  const { inputs, droppedOptional } = resolved;
  // A directive's own inputs only feed its input_mapping, so it may be left with none.
  const noInputsLeft =
    (def.inputs ?? []).length > 0 && inputs.length === 0 && droppedOptional.length > 0;
  if (noInputsLeft && !broken && !def.child_runbook) {
    broken = true;
    const names = droppedOptional.map((n) => `"${n}"`).join(", ");
    context.diagnostics.add(
      includedBy?.target ?? file,
      PlanDiagnosticCode.ChildMapping,
      `Artifact "${localId}" of ${file.relPath} takes only the optional input(s) ${names}, which ${includedBy ? `"${includedBy.id}"` : "the directive"} does not map: it would have no inputs.`,
      includedBy ? `${includedBy.path}.child_runbook.input_mapping` : `${at}.inputs`,
      `map ${names} in input_mapping`,
    );
  }
  if (def.child_runbook && def.inputs) {
    const output = includeChild(context, {
      scope,
      localId,
      id,
      def: { ...def, child_runbook: def.child_runbook },
      at: `${at}.child_runbook`,
      resolvedByName: resolved.byName,
      droppedOptional,
    });
    context.artifacts.push({
      id,
      localId,
      file,
      def,
      kind: "passthrough",
      inputs: output === undefined ? [] : [output],
      broken: broken || output === undefined,
    });
    return;
  }
  context.artifacts.push({ id, localId, file, def, kind: kind ?? "passthrough", inputs, broken });
}

/**
 * Flattened ids of an artifact's `inputs`, by the name written too; the optional
 * inputs of a child left unmapped are dropped. Unknown names are reported.
 */
function resolveInputs(
  context: FlattenContext,
  scope: Scope,
  localId: string,
  written: ReadonlyArray<string>,
): { inputs: string[]; byName: Map<string, string>; droppedOptional: string[]; broken: boolean } {
  const local = scope.runbook.artifacts ?? {};
  const invalid = scope.file.partial?.invalidArtifacts;
  const inputs: string[] = [];
  const byName = new Map<string, string>();
  const droppedOptional: string[] = [];
  let broken = false;
  written.forEach((ref, index) => {
    if (Object.hasOwn(local, ref)) {
      inputs.push(scope.prefix + ref);
      byName.set(ref, scope.prefix + ref);
      return;
    }
    if (invalid?.has(ref)) {
      broken = true;
      return;
    }
    const binding = scope.bindings.get(ref);
    if (binding === undefined) {
      broken = true;
      reportUnknownInput(context, scope, localId, ref, index);
    } else if ("artifact" in binding) {
      inputs.push(binding.artifact);
      byName.set(ref, binding.artifact);
    } else if (binding.unmapped === "optional") {
      droppedOptional.push(ref);
    } else {
      broken = true;
    }
  });
  return { inputs, byName, droppedOptional, broken };
}

function reportUnknownInput(
  context: FlattenContext,
  scope: Scope,
  localId: string,
  ref: string,
  index: number,
): void {
  const { file, runbook } = scope;
  const path = `artifacts.${localId}.inputs.${index}`;
  if (scope.includedBy === undefined && runbook.inputs !== undefined && ref in runbook.inputs) {
    context.diagnostics.add(
      file,
      PlanDiagnosticCode.UnknownArtifact,
      `Artifact "${localId}" takes "${ref}", an input of this child runbook: only a runbook that includes it (child_runbook) can provide it.`,
      path,
      "plan the parent runbook instead",
    );
    return;
  }
  const where = scope.bindings.size > 0 ? "artifact or input of this runbook" : "artifact";
  const candidates = scope.known.filter((candidate) => candidate !== localId);
  context.diagnostics.add(
    file,
    PlanDiagnosticCode.UnknownArtifact,
    `Artifact "${localId}" takes input "${ref}", but there is no ${where} "${ref}".`,
    path,
    didYouMean(ref, candidates) ?? `known ids: ${scope.known.join(", ") || "(none)"}`,
  );
}

/**
 * Reports the unknown references of artifacts that failed their schema for another
 * reason (a misspelt key), so that fixing that reason does not reveal a new problem.
 * Such an artifact is never planned; only its references are checked.
 */
function checkInvalidArtifactInputs(context: FlattenContext, scope: Scope): void {
  const partial = scope.file.partial;
  if (partial === undefined) return;
  const local = scope.runbook.artifacts ?? {};
  for (const [localId, written] of partial.invalidArtifactInputs) {
    written.forEach((ref, index) => {
      if (Object.hasOwn(local, ref) || partial.invalidArtifacts.has(ref)) return;
      if (scope.bindings.has(ref)) return;
      reportUnknownInput(context, scope, localId, ref, index);
    });
  }
}

/**
 * Checks and inlines the child runbook of a directive. Returns the flattened id of the
 * child artifact the directive passes through, or undefined when that cannot be known
 * (already reported).
 */
function includeChild(context: FlattenContext, directive: Directive): string | undefined {
  const child = findChild(context, directive);
  const runbook = child?.runbook;
  if (child === undefined || runbook === undefined) return undefined; // reported
  const { scope, id, localId } = directive;
  const inlineChild = (bindings: ReadonlyMap<string, Binding>) =>
    inline(context, {
      file: child,
      runbook,
      prefix: `${id}__`,
      bindings,
      depth: scope.depth + 1,
      chain: [...scope.chain, child],
      includedBy: { target: scope.file, path: `artifacts.${localId}`, id: localId },
    });
  const childFields = child.partial?.invalidFields;
  if (childFields?.has("inputs") || childFields?.has("outputs")) {
    // The child's interface is not as written (already reported): check its valid
    // artifacts, but not how the directive maps to it.
    inlineChild(
      new Map(Object.keys(runbook.inputs ?? {}).map((name) => [name, { unmapped: "broken" }])),
    );
    return undefined;
  }
  const usable = checkChildInterface(context, directive, child, runbook);
  const bindings = bindChildInputs(context, directive, child, runbook);
  const output = childOutputArtifact(context, directive, child, runbook);
  inlineChild(bindings);
  return usable ? output : undefined;
}

/**
 * The child runbook a directive names, once it is known to be found, readable, inside
 * its folder, not on a cycle and not too deep; undefined otherwise (reported). A child
 * reached for the first time joins the plan's files, with its parse problems.
 */
function findChild(context: FlattenContext, directive: Directive): LoadedRunbookFile | undefined {
  const { scope, localId, at } = directive;
  const path = directive.def.child_runbook.path;
  const report = (code: string, message: string, hint?: string) =>
    context.diagnostics.add(scope.file, code, message, `${at}.path`, hint);

  const problem = childPathProblem(path);
  if (problem !== undefined) {
    report(
      PlanDiagnosticCode.ChildPath,
      `Child runbook path "${path}" of "${localId}" ${problem}.`,
    );
    return undefined;
  }
  const found = scope.file.includes.get(path) ?? { status: "not-found", searched: [] };
  const rootFields = context.loaded.root.partial?.invalidFields;
  if (found.status === "not-found") {
    // Looked for in template paths that are not the ones written: say nothing.
    if (rootFields?.has("config.template_paths")) return undefined;
    report(
      PlanDiagnosticCode.ChildNotFound,
      `Child runbook "${path}" of "${localId}" was not found; looked at ${found.searched.join(", ")}.`,
      "check the path, or add its folder to config.template_paths of the root runbook",
    );
    return undefined;
  }
  if (found.status === "escapes") {
    report(
      PlanDiagnosticCode.ChildPath,
      `Child runbook "${path}" of "${localId}" resolves to ${found.realPath}, outside ${found.root.label} (${found.root.dir}); links may not leave it.`,
    );
    return undefined;
  }
  const chain = scope.chain;
  const cycleStart = chain.findIndex((member) => member.realPath === found.realPath);
  if (cycleStart !== -1) {
    const names = [...chain.slice(cycleStart), chain[cycleStart]!].map((f) => f.relPath);
    report(
      PlanDiagnosticCode.ChildCycle,
      `Child runbooks include each other in a cycle: ${names.join(" -> ")}.`,
    );
    return undefined;
  }
  const child =
    found.realPath === context.loaded.root.realPath
      ? context.loaded.root
      : context.loaded.children.get(found.realPath);
  const childDepth = scope.depth + 1;
  if (childDepth > context.maxChildDepth) {
    if (rootFields?.has("config.max_child_depth")) return undefined;
    const names = [...chain.map((member) => member.relPath), relativeToRoot(context, found.path)];
    report(
      PlanDiagnosticCode.ChildDepth,
      `Child runbooks nest ${childDepth} deep (${names.join(" -> ")}), deeper than max_child_depth ${context.maxChildDepth}.`,
      "raise config.max_child_depth in the root runbook, or flatten the nesting",
    );
    return undefined;
  }
  if (child === undefined || "unreadable" in child) {
    report(
      PlanDiagnosticCode.ChildNotFound,
      child?.isFolder
        ? `Child runbook "${path}" of "${localId}" is a folder (${found.path}), not a runbook file.`
        : `Child runbook "${path}" of "${localId}" could not be read (${found.path}).`,
    );
    return undefined;
  }
  if (!context.included.has(child.realPath)) {
    context.included.add(child.realPath);
    context.files.push(child);
    context.diagnostics.push(...child.diagnostics);
  }
  context.depth = Math.max(context.depth, childDepth);
  return child;
}

/** Whether the child declares the inputs and outputs that make it includable (else reported). */
function checkChildInterface(
  context: FlattenContext,
  directive: Directive,
  child: RunbookFile,
  runbook: Runbook,
): boolean {
  const { scope, localId, at } = directive;
  let usable = true;
  if (runbook.inputs === undefined) {
    context.diagnostics.add(
      scope.file,
      PlanDiagnosticCode.ChildMapping,
      `${child.relPath} is not a child runbook: it declares no "inputs".`,
      `${at}.path`,
      "declare the inputs the child runbook takes under a top-level inputs: key",
    );
    usable = false;
  }
  if (runbook.outputs === undefined || Object.keys(runbook.outputs).length === 0) {
    context.diagnostics.add(
      scope.file,
      PlanDiagnosticCode.ChildOutput,
      `${child.relPath} declares no "outputs": the directive "${localId}" has nothing to pass through.`,
      `${at}.path`,
    );
    usable = false;
  }
  return usable;
}

/**
 * What each input of the child stands for: the directive's input its `input_mapping`
 * (or the one obvious pairing) gives it, or why it has none. Mapped inputs with an
 * `input_schema` are recorded for the schema checks.
 */
function bindChildInputs(
  context: FlattenContext,
  directive: Directive,
  child: RunbookFile,
  runbook: Runbook,
): Map<string, Binding> {
  const bindings = new Map<string, Binding>();
  const declared = runbook.inputs;
  if (declared === undefined) return bindings;
  const { scope, localId, at, def } = directive;
  const ref = def.child_runbook;
  const report = (code: string, message: string, path: string, hint?: string) =>
    context.diagnostics.add(scope.file, code, message, path, hint);
  const inputNames = Object.keys(declared);
  const directiveInputs = def.inputs ?? [];

  const bind = (name: string, parentRef: string, path: string) => {
    const artifact = directive.resolvedByName.get(parentRef);
    if (artifact === undefined && directive.droppedOptional.includes(parentRef)) {
      // An optional input of the including runbook, left unmapped by its own parent:
      // fine for an optional input of this child, a gap for a required one.
      if (declared[name]?.optional) {
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
    const expected = declared[name]?.input_schema;
    if (artifact !== undefined && expected !== undefined) {
      context.inputSchemaExpectations.push({
        target: scope.file,
        path,
        inputName: name,
        childFile: child.relPath,
        artifact,
        expected,
      });
    }
  };

  // Without input_mapping, one directive input feeds the child's only input, or its
  // only required one (optional ones then stay unmapped).
  const requiredNames = inputNames.filter((name) => !declared[name]?.optional);
  const implicitInput =
    inputNames.length === 1
      ? inputNames[0]
      : requiredNames.length === 1
        ? requiredNames[0]
        : undefined;
  if (ref.input_mapping !== undefined) {
    for (const [name, parentRef] of Object.entries(ref.input_mapping)) {
      const path = `${at}.input_mapping.${name}`;
      if (!(name in declared)) {
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
          didYouMean(parentRef, directiveInputs) ?? `add "${parentRef}" to inputs of "${localId}"`,
        );
        bindings.set(name, { unmapped: "broken" });
        continue;
      }
      bind(name, parentRef, path);
    }
  } else if (implicitInput !== undefined && directiveInputs.length === 1) {
    bind(implicitInput, directiveInputs[0]!, at);
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
    if (declared[name]!.optional) {
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
  return bindings;
}

/**
 * Flattened id of the child artifact behind the output the directive chooses (its
 * `output`, or the only one), or undefined when there is none to choose (reported).
 */
function childOutputArtifact(
  context: FlattenContext,
  directive: Directive,
  child: RunbookFile,
  runbook: Runbook,
): string | undefined {
  const declared = runbook.outputs;
  if (declared === undefined || Object.keys(declared).length === 0) return undefined;
  const { scope, localId, at, id } = directive;
  const outputNames = Object.keys(declared);
  const outputName =
    directive.def.child_runbook.output ?? (outputNames.length === 1 ? outputNames[0]! : undefined);
  if (outputName === undefined) {
    context.diagnostics.add(
      scope.file,
      PlanDiagnosticCode.ChildOutput,
      `${child.relPath} declares several outputs (${outputNames.join(", ")}); "${localId}" must name one.`,
      at,
      "add output: <name> under child_runbook",
    );
    return undefined;
  }
  const output = declared[outputName];
  if (output === undefined) {
    context.diagnostics.add(
      scope.file,
      PlanDiagnosticCode.ChildOutput,
      `${child.relPath} declares no output "${outputName}" (it declares ${outputNames.join(", ")}).`,
      `${at}.output`,
      didYouMean(outputName, outputNames),
    );
    return undefined;
  }
  // Declared but invalid: already reported in the child.
  if (child.partial?.invalidArtifacts.has(output.artifact)) return undefined;
  if (!(output.artifact in (runbook.artifacts ?? {}))) {
    context.diagnostics.add(
      child,
      PlanDiagnosticCode.ChildOutput,
      `Output "${outputName}" names artifact "${output.artifact}", which ${child.relPath} does not declare.`,
      `outputs.${outputName}.artifact`,
      didYouMean(output.artifact, Object.keys(runbook.artifacts ?? {})),
    );
    return undefined;
  }
  return `${id}__${output.artifact}`;
}

function relativeToRoot(context: FlattenContext, absPath: string): string {
  return relative(context.loaded.root.baseDir, absPath).split(sep).join("/");
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
