import { dirname } from "node:path";
import type { SchemaRef } from "@wct/plugin-api";
import type { Diagnostic, ParseResult, Runbook, SecretValues } from "@wct/runbook-schema";
import type { ChildResolution } from "./child-path.js";
import { decodeRunbook } from "./decode.js";
import type { DiagnosticTarget } from "./diagnostics.js";
import type { LoadedPlugin } from "./registry.js";

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
  /** The file's bytes, as hashed into the plan's `runbookHash`. */
  bytes: Uint8Array;
  /** Its text as written (no substitution): what a run persists. Empty if not UTF-8. */
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

/** Parses one runbook file's text, shown in diagnostics as `file`. */
export type ParseRunbookText = (text: string, file: string) => ParseResult;

/**
 * A runbook file from its bytes: decoded and parsed, its problems kept (not reported).
 * Pure; {@link loadRunbook} reads the bytes, tests may give them.
 */
export function parsedFile(
  where: { absPath: string; realPath: string; relPath: string; displayFile: string },
  bytes: Uint8Array,
  parse: ParseRunbookText,
): LoadedRunbookFile {
  const base = { ...where, baseDir: dirname(where.absPath), bytes, includes: new Map() };
  const decoded = decodeRunbook(bytes, where.displayFile);
  if ("diagnostic" in decoded) {
    return { ...base, text: "", locate: () => undefined, diagnostics: [decoded.diagnostic] };
  }
  const parsed = parse(decoded.text, where.displayFile);
  const file: LoadedRunbookFile = {
    ...base,
    text: decoded.text,
    locate: parsed.locate,
    diagnostics: parsed.diagnostics,
  };
  if (parsed.ok) return { ...file, runbook: parsed.runbook };
  const partial = partialFileOf(parsed);
  if (partial === undefined || parsed.partial === undefined) return file;
  return { ...file, runbook: parsed.partial.runbook, partial };
}

/**
 * Where a `child_runbook.path` was looked for and what was found there: `found` (the
 * file is in {@link LoadedRunbook.children} under `realPath`), `escapes` (a link leads
 * out of the folder it was found in) or `not-found` (with the paths searched).
 */
export type ChildLookup = ChildResolution;

/** A runbook file as read and parsed by {@link loadRunbook}: data only, no handles. */
export interface LoadedRunbookFile extends RunbookFile {
  /** Its decoding and parse problems, reported if and when the plan includes the file. */
  diagnostics: ReadonlyArray<Diagnostic>;
  /**
   * Where each `child_runbook.path` its artifacts name was found, by the path as
   * written. A path refused before looking at the disk (absolute, `..`) has no entry.
   */
  includes: ReadonlyMap<string, ChildLookup>;
}

/** A child runbook that was found but could not be read (a folder, no permission). */
export interface UnreadableChild {
  unreadable: true;
  /** Absolute path as found. */
  absPath: string;
  isFolder: boolean;
}

/** What became of one `reuse: {from_run, artifact}`: the stored schema, or why not. */
export type ReuseLookup = { from_run: string; artifact: string } & (
  | { schema: SchemaRef }
  | { error: { code: string; message?: string } }
);

/**
 * Everything planning needs from the outside world, read by {@link loadRunbook}: the
 * runbook files, the plugins and the schemas of reused artifacts. {@link assemblePlan}
 * turns it into a plan without any I/O, so it can be built by hand in tests.
 */
export interface LoadedRunbook {
  /** The root runbook; its `runbook` is undefined when nothing of it parsed. */
  root: LoadedRunbookFile;
  /** Every child runbook reached from the root, by `realPath` (links resolved). */
  children: ReadonlyMap<string, LoadedRunbookFile | UnreadableChild>;
  /** Caller plugins first, then `--plugin` modules, then the runbooks' `plugins:`. */
  plugins: ReadonlyArray<LoadedPlugin>;
  /** Why the plugins could not be loaded (`ERR_PLUGIN_*`), if they could not. */
  pluginError?: unknown;
  /**
   * The schema (or the coded error) of each distinct `reuse` reference; a reference
   * with no entry plans with schema `null` (no resolver was given).
   */
  reuse: ReadonlyArray<ReuseLookup>;
  /** Values substituted for `${VAR}` while parsing: masked in whatever is reported. */
  secrets: SecretValues;
}
