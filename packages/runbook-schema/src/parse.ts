import type { YAMLError } from "yaml";
import type { z } from "zod";
import { DiagnosticCode } from "./codes.js";
import { closestMatch } from "./did-you-mean.js";
import { salvageRunbook } from "./salvage.js";
import { runbookSchema } from "./schema.js";
import { collectSubstitutedValues, maskSecrets } from "./secrets.js";
import type { Diagnostic, ParseOptions, ParseResult, PositionLookup } from "./types.js";
import { MAX_YAML_DEPTH, parseYaml } from "./yaml-document.js";
import { buildValueTree, type PathSegment, type Position, pathKey } from "./yaml-tree.js";

type Issue = z.core.$ZodIssue;
type ZodNode = z.core.$ZodTypes;

/**
 * Parses and validates runbook text. Never throws: every problem of the file (YAML,
 * `${VAR}` substitution, schema, cross-field rules) comes back as a diagnostic, sorted
 * by line and column. When the document is an invalid mapping, the failure also
 * carries what validated on its own (`partial`), for checks that can still run.
 */
export function parseRunbook(text: string, options: ParseOptions): ParseResult {
  const result = parseUnmasked(text, options);
  if (result.ok) return result;
  // Values from the environment may be secrets: messages show their placeholder.
  const secrets = collectSubstitutedValues(text, options.env ?? process.env);
  if (secrets.size === 0) return result;
  const diagnostics = result.diagnostics.map((d) => ({
    ...d,
    message: maskSecrets(d.message, secrets),
    ...(d.hint === undefined ? {} : { hint: maskSecrets(d.hint, secrets) }),
  }));
  return { ...result, diagnostics };
}

function parseUnmasked(text: string, options: ParseOptions): ParseResult {
  const file = options.file;
  const env = options.env ?? process.env;
  const diagnostics: Diagnostic[] = [];
  const nowhere: Position = { line: 0, column: 0 };
  // YAML forbids NUL: such a file is binary (or UTF-16), not a runbook. Said once,
  // rather than as a schema error quoting the bytes.
  const nul = text.indexOf("\u0000");
  if (nul !== -1) {
    const before = text.slice(0, nul);
    const line = before.split("\n").length;
    diagnostics.push({
      code: DiagnosticCode.YamlSyntax,
      message: "the file is not a text file (it contains a NUL byte)",
      file,
      line,
      column: nul - (before.lastIndexOf("\n") + 1) + 1,
      path: "",
      hint: "a runbook is a YAML text file in UTF-8; check that the path names the runbook",
    });
    return { ok: false, diagnostics, locate: () => undefined };
  }
  const { lineCounter, doc, tooDeepAt } = parseYaml(text);
  if (doc === undefined) {
    const { line, col } = lineCounter.linePos(tooDeepAt ?? 0);
    diagnostics.push({
      code: DiagnosticCode.YamlSyntax,
      message: `the document nests deeper than ${MAX_YAML_DEPTH} levels`,
      file,
      line,
      column: col,
      path: "",
    });
    return { ok: false, diagnostics, locate: () => undefined };
  }

  const yamlAt = (error: YAMLError): Position => {
    const { line, col } = lineCounter.linePos(error.pos[0]);
    return { line, column: col };
  };
  // Repeated keys are a local mistake; any other YAML error leaves the document's
  // shape too uncertain to salvage parts of it.
  let salvageable = doc.errors.every((error) => error.code === "DUPLICATE_KEY");
  for (const error of [...doc.errors, ...doc.warnings]) {
    const duplicate = error.code === "DUPLICATE_KEY";
    diagnostics.push({
      code: duplicate ? DiagnosticCode.DuplicateKey : DiagnosticCode.YamlSyntax,
      message: duplicate ? duplicateKeyMessage(text, error) : firstLine(error.message),
      file,
      ...yamlAt(error),
      path: "",
      ...(duplicate ? { hint: "remove or rename one of the keys" } : {}),
    });
  }

  const tree = buildValueTree(doc, lineCounter, env);
  if (tree.truncated) salvageable = false;
  /** Paths of every problem found, to leave the parts they are in out of `partial`. */
  const problemPaths: PathSegment[][] = [
    ...tree.problems.map((problem) => problem.path),
    ...tree.duplicates,
  ];
  const locateNode = (path: string) => tree.positions.get(path);
  const locate: PositionLookup = (path) => {
    const node = locateNode(path);
    return node ? (node.key ?? node.value) : undefined;
  };
  // The nearest recorded ancestor, for problems at paths absent from the file.
  const nearest = (path: readonly PathSegment[], useValue: boolean): Position => {
    for (let end = path.length; end >= 0; end--) {
      const node = locateNode(pathKey(path.slice(0, end)));
      if (node) return end === path.length && useValue ? node.value : (node.key ?? node.value);
    }
    return nowhere;
  };

  for (const problem of tree.problems) {
    diagnostics.push({
      code: problem.code,
      message: problem.message,
      file,
      ...problem.position,
      path: pathKey(problem.path),
      ...(problem.hint === undefined ? {} : { hint: problem.hint }),
    });
  }

  if (doc.contents === null && doc.errors.length === 0) {
    diagnostics.push({
      code: DiagnosticCode.EmptyRunbook,
      message: "the runbook is empty",
      file,
      ...nowhere,
      path: "",
      hint: "a runbook is a mapping with at least name, description and artifacts",
    });
    return { ok: false, diagnostics: sortDiagnostics(diagnostics), locate };
  }

  // A value whose substitution failed would only repeat the problem as a schema error.
  const unsubstituted = new Set(
    tree.problems
      .filter((p) => p.code === DiagnosticCode.MissingEnv || p.code === DiagnosticCode.EnvSyntax)
      .map((p) => pathKey(p.path)),
  );
  // After a syntax error the parser's recovery guesses the document's shape (a tab
  // indent turns nested keys into top-level ones): schema errors about that guess
  // would send the user after problems the file does not have.
  if (!salvageable) {
    return { ok: false, diagnostics: sortDiagnostics(dedupe(diagnostics)), locate };
  }
  const result = runbookSchema.safeParse(tree.value, { reportInput: true });
  if (!result.success) {
    // A value of the wrong type is reported once, not also against its length or range.
    const wrongType = new Set(
      result.error.issues
        .filter((issue) => issue.code === "invalid_type")
        .map((issue) => pathKey(issue.path.map(toSegment))),
    );
    for (const issue of result.error.issues) {
      if (
        issue.code !== "invalid_type" &&
        issue.code !== "custom" &&
        wrongType.has(pathKey(issue.path.map(toSegment)))
      ) {
        continue;
      }
      addIssue(issue, [], tree.value);
    }
  }

  if (diagnostics.length === 0 && result.success) {
    return { ok: true, runbook: result.data, diagnostics: [], locate };
  }
  const partial = salvageable ? salvageRunbook(tree.value, problemPaths) : undefined;
  return {
    ok: false,
    diagnostics: sortDiagnostics(dedupe(diagnostics)),
    locate,
    ...(partial === undefined ? {} : { partial }),
  };

  function push(
    code: DiagnosticCode,
    message: string,
    path: PathSegment[],
    position: Position,
    hint?: string,
  ) {
    problemPaths.push(path);
    if (unsubstituted.has(pathKey(path))) return;
    diagnostics.push({
      code,
      message,
      file,
      ...position,
      path: pathKey(path),
      ...(hint === undefined ? {} : { hint }),
    });
  }

  function addIssue(issue: Issue, prefix: PathSegment[], root: unknown): void {
    const path = [...prefix, ...issue.path.map(toSegment)];
    const name = describePath(path);
    switch (issue.code) {
      case "unrecognized_keys": {
        const allowed = allowedKeysAt(runbookSchema, path);
        for (const key of issue.keys) {
          const keyPath = [...path, key];
          const suggestion = closestMatch(key, allowed);
          push(
            DiagnosticCode.UnknownKey,
            `unknown key "${key}"${path.length > 0 ? ` in ${name}` : ""}`,
            keyPath,
            nearest(keyPath, false),
            suggestion === undefined
              ? allowed.length > 0
                ? `allowed keys: ${allowed.join(", ")}`
                : undefined
              : `did you mean "${suggestion}"?`,
          );
        }
        return;
      }
      case "invalid_type": {
        if (isMissing(root, path)) {
          push(
            DiagnosticCode.MissingKey,
            `missing required key "${String(path.at(-1))}"${path.length > 1 ? ` in ${describePath(path.slice(0, -1))}` : ""}`,
            path,
            nearest(path.slice(0, -1), false),
          );
          return;
        }
        push(
          DiagnosticCode.InvalidValue,
          `${name}: expected ${article(issue.expected)}, got ${describeValue(valueAt(root, path))}`,
          path,
          nearest(path, true),
        );
        return;
      }
      case "invalid_union": {
        // Report the branch whose type matched (its problems are deeper in the value).
        const deeper = issue.errors.filter(
          (branch) => branch.length > 0 && branch.every((inner) => inner.path.length > 0),
        );
        if (deeper.length === 1) {
          for (const inner of deeper[0]!) addIssue(inner, path, root);
          return;
        }
        push(
          DiagnosticCode.InvalidValue,
          `${name}: expected a string or a non-empty list of strings, got ${describeValue(valueAt(root, path))}`,
          path,
          nearest(path, true),
        );
        return;
      }
      case "custom": {
        const params = issue.params as { code?: DiagnosticCode; hint?: string } | undefined;
        const code = params?.code ?? DiagnosticCode.InvalidValue;
        const keyed =
          code === DiagnosticCode.MissingProducer ||
          code === DiagnosticCode.InvalidId ||
          code === DiagnosticCode.DuplicateId ||
          code === DiagnosticCode.ExclusiveKeys ||
          code === DiagnosticCode.InvalidCombination;
        push(
          code,
          params?.code ? issue.message : `${name}: ${issue.message}`,
          path,
          nearest(path, !keyed),
          params?.hint,
        );
        return;
      }
      case "too_small":
      case "too_big": {
        push(
          DiagnosticCode.InvalidValue,
          `${name}: ${boundMessage(issue, valueAt(root, path))}`,
          path,
          nearest(path, true),
        );
        return;
      }
      default:
        push(
          DiagnosticCode.InvalidValue,
          `${name}: ${issue.message}`,
          path,
          nearest(path, true),
          hintFor(issue),
        );
    }
  }
}

function hintFor(issue: Issue): string | undefined {
  if (issue.code === "invalid_value") {
    return `allowed: ${issue.values.map((value) => JSON.stringify(value)).join(", ")}`;
  }
  return undefined;
}

/** "must be at least 1, got number 0" rather than zod's "Too small: expected ...". */
function boundMessage(
  issue: z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig,
  value: unknown,
): string {
  const small = issue.code === "too_small";
  const bound = small ? issue.minimum : issue.maximum;
  // A bound with its own message (e.g. the longest timeout) says it best.
  if (!/^Too (small|big)/.test(issue.message)) {
    return `${issue.message}, got ${describeValue(value)}`;
  }
  if (issue.origin === "array" || issue.origin === "set") {
    return `${small ? "needs at least" : "may have at most"} ${String(bound)} item${bound === 1 ? "" : "s"}, got ${Array.isArray(value) ? value.length : 0}`;
  }
  if (issue.origin === "string") {
    return small && bound === 1
      ? "may not be empty"
      : `${small ? "needs at least" : "may have at most"} ${String(bound)} characters`;
  }
  const comparison = small
    ? issue.inclusive
      ? "at least"
      : "greater than"
    : issue.inclusive
      ? "at most"
      : "less than";
  return `must be ${comparison} ${String(bound)}, got ${describeValue(value)}`;
}

/** Names the repeated key: yaml's own message ("Map keys must be unique") does not. */
function duplicateKeyMessage(text: string, error: YAMLError): string {
  const key = text
    .slice(error.pos[0], error.pos[0] + 80)
    .split(/[\n:,}]/)[0]
    ?.trim()
    .replace(/^(["'])(.*)\1$/, "$2");
  return key ? `the key "${key}" appears more than once in this mapping` : firstLine(error.message);
}

function firstLine(message: string): string {
  const end = message.indexOf("\n");
  return end === -1 ? message : message.slice(0, end);
}

function toSegment(key: PropertyKey): PathSegment {
  return typeof key === "number" ? key : String(key);
}

function describePath(path: readonly PathSegment[]): string {
  return path.length === 0 ? "the runbook" : `"${pathKey(path)}"`;
}

function article(expected: string): string {
  if (expected === "object" || expected === "record") return "a mapping";
  if (expected === "array") return "a list";
  if (expected === "int") return "an integer";
  return `${/^[aeiou]/.test(expected) ? "an" : "a"} ${expected}`;
}

function describeValue(value: unknown): string {
  if (value === null || value === undefined) return "nothing";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "number" && !Number.isFinite(value)) {
    return Number.isNaN(value) ? "not a number (.nan)" : "a number too large to represent";
  }
  if (typeof value === "string") {
    return `string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  }
  return `${typeof value} ${String(value)}`;
}

function valueAt(root: unknown, path: readonly PathSegment[]): unknown {
  let current = root;
  for (const segment of path) {
    if (typeof current !== "object" || current === null) return undefined;
    current = (current as Record<PathSegment, unknown>)[segment];
  }
  return current;
}

function isMissing(root: unknown, path: readonly PathSegment[]): boolean {
  if (path.length === 0) return false;
  const parent = valueAt(root, path.slice(0, -1));
  if (typeof parent !== "object" || parent === null || Array.isArray(parent)) return false;
  return !Object.hasOwn(parent, path.at(-1)!);
}

/**
 * Keys allowed by the object schema at `path` of a zod schema, for "did you mean" hints:
 * wrappers (optional, default, pipe, ...) are looked through, and a record's or array's
 * element is reached through one path segment. Empty where `path` leads to no object,
 * or for a schema that is not zod's.
 */
export function allowedKeysAt(schema: unknown, path: readonly PathSegment[]): string[] {
  const objectAt = (node: ZodNode, rest: readonly PathSegment[]): string[] | undefined => {
    // Another validator (a Standard Schema of valibot, arktype, by hand) has no zod def.
    const def = (node as Partial<ZodNode> | undefined)?._zod?.def;
    if (def === undefined) return undefined;
    switch (def.type) {
      case "optional":
      case "nullable":
      case "default":
      case "prefault":
      case "readonly":
      case "catch":
      case "nonoptional":
        return objectAt(def.innerType as ZodNode, rest);
      case "pipe":
        return objectAt(def.in as ZodNode, rest);
      case "union":
        for (const option of def.options) {
          const found = objectAt(option as ZodNode, rest);
          if (found) return found;
        }
        return undefined;
      case "object": {
        if (rest.length === 0) return Object.keys(def.shape);
        const child = def.shape[String(rest[0])];
        return child ? objectAt(child as ZodNode, rest.slice(1)) : undefined;
      }
      case "record":
        return rest.length === 0 ? undefined : objectAt(def.valueType as ZodNode, rest.slice(1));
      case "array":
        return rest.length === 0 ? undefined : objectAt(def.element as ZodNode, rest.slice(1));
      default:
        return undefined;
    }
  };
  return objectAt(schema as unknown as ZodNode, path) ?? [];
}

function dedupe(diagnostics: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return diagnostics.filter((d) => {
    const key = `${d.code}\0${d.path}\0${d.line}\0${d.column}\0${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function sortDiagnostics(diagnostics: Diagnostic[]): Diagnostic[] {
  return diagnostics
    .map((diagnostic, index) => ({ diagnostic, index }))
    .sort(
      (a, b) =>
        a.diagnostic.line - b.diagnostic.line ||
        a.diagnostic.column - b.diagnostic.column ||
        a.index - b.index,
    )
    .map(({ diagnostic }) => diagnostic);
}
