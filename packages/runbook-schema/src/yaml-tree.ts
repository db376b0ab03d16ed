import {
  type Alias,
  type Document,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  type LineCounter,
  type Node,
  type Pair,
  Scalar,
  visit,
} from "yaml";
import { DiagnosticCode } from "./codes.js";
import { type EnvVars, substituteEnv } from "./env.js";
import { type ScalarKind, scalarKindAt } from "./schema.js";

export type PathSegment = string | number;

export interface Position {
  line: number;
  column: number;
}

/** Where a node sits: the key of its map entry (if any) and the value itself. */
export interface NodePosition {
  key?: Position;
  value: Position;
}

/** A problem found while turning YAML nodes into values, before the schema runs. */
export interface TreeProblem {
  code: DiagnosticCode;
  message: string;
  path: PathSegment[];
  position: Position;
  hint?: string;
}

export interface ValueTree {
  value: unknown;
  /** Dot path → position; the first node at a path wins. */
  positions: Map<string, NodePosition>;
  problems: TreeProblem[];
  /** Paths of keys repeated in their mapping (the value is the last one's). */
  duplicates: PathSegment[][];
  /** The node or depth bound was hit: `value` is cut short. */
  truncated: boolean;
}

// Bounds alias expansion ("billion laughs") and pathological nesting.
const MAX_NODES = 100_000;
const MAX_DEPTH = 200;

const YAML_INT = /^[-+]?[0-9]+$/;
const YAML_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;

export function pathKey(path: readonly PathSegment[]): string {
  return path.join(".");
}

/**
 * The node each alias refers to: the last node anchored with its name before it, in
 * document order, as yaml's `Alias.resolve` finds it. That call visits the whole
 * document each time; resolving every alias once here keeps expanding them linear in
 * the nodes visited (bounded by MAX_NODES) instead of that times the document size.
 */
function resolveAliases(doc: Document): Map<Alias, Node | undefined> {
  const targets = new Map<Alias, Node | undefined>();
  const anchored = new Map<string, Node>();
  visit(doc, {
    Node(_key, node) {
      if (isAlias(node)) targets.set(node, anchored.get(node.source));
      else if (node.anchor) anchored.set(node.anchor, node);
    },
  });
  return targets;
}

/**
 * Turns a parsed YAML document into plain values, substituting `${VAR}` in string
 * scalars and recording the position of every node by dot path.
 */
export function buildValueTree(doc: Document, lineCounter: LineCounter, env: EnvVars): ValueTree {
  const positions = new Map<string, NodePosition>();
  const problems: TreeProblem[] = [];
  const duplicates: PathSegment[][] = [];
  const walking = new Set<unknown>();
  const anchors = resolveAliases(doc);
  let visited = 0;
  let exhausted = false;

  const at = (offset: number | undefined): Position => {
    if (offset === undefined) return { line: 0, column: 0 };
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };

  const record = (path: PathSegment[], position: NodePosition) => {
    const key = pathKey(path);
    if (!positions.has(key)) positions.set(key, position);
  };

  const coerce = (text: string, kind: ScalarKind, plain: boolean): unknown => {
    if (kind === "number") {
      return YAML_INT.test(text) || YAML_FLOAT.test(text) ? Number(text) : text;
    }
    if (kind === "boolean") {
      return text === "true" ? true : text === "false" ? false : text;
    }
    // Inside free-form properties only an unquoted placeholder takes the type the
    // value would have had if written literally; quoting keeps it a string.
    if (kind === "free" && plain) {
      if (YAML_INT.test(text) || YAML_FLOAT.test(text)) return Number(text);
      if (text === "true" || text === "false") return text === "true";
    }
    return text;
  };

  const scalarValue = (node: Scalar, path: PathSegment[], position: Position): unknown => {
    const value = node.value;
    if (typeof value !== "string") return value;
    const result = substituteEnv(value, env);
    for (const problem of result.problems) {
      problems.push({
        code: problem.code,
        message: problem.message,
        path,
        position,
        hint:
          problem.code === DiagnosticCode.MissingEnv
            ? `set ${problem.variable} or write \${${problem.variable}:-default}`
            : 'write "$${" for a literal "${"',
      });
    }
    if (!result.whole || result.problems.length > 0) return result.value;
    return coerce(result.value, scalarKindAt(path), node.type === Scalar.PLAIN);
  };

  const keyString = (key: unknown, path: PathSegment[], fallback: Position): string | undefined => {
    if (key === null || key === undefined) return "";
    if (isScalar(key)) {
      const value = key.value;
      if (typeof value === "string") return value;
      if (value === null) return "";
      return key.source ?? String(value);
    }
    problems.push({
      code: DiagnosticCode.InvalidKey,
      message: "mapping keys must be plain strings",
      path,
      position: isAlias(key) || isMap(key) || isSeq(key) ? at(key.range?.[0]) : fallback,
    });
    return undefined;
  };

  const walk = (node: unknown, path: PathSegment[], keyPos?: Position): unknown => {
    if (exhausted) return null;
    if (++visited > MAX_NODES || path.length > MAX_DEPTH) {
      exhausted = true;
      problems.push({
        code: DiagnosticCode.YamlSyntax,
        message: "document too large or too deeply nested (after alias expansion)",
        path,
        position: keyPos ?? { line: 0, column: 0 },
      });
      return null;
    }
    if (node === null || node === undefined) {
      if (keyPos) record(path, { key: keyPos, value: keyPos });
      return null;
    }
    if (isAlias(node)) {
      record(
        path,
        keyPos ? { key: keyPos, value: at(node.range?.[0]) } : { value: at(node.range?.[0]) },
      );
      const target = anchors.get(node);
      if (target === undefined) {
        problems.push({
          code: DiagnosticCode.YamlSyntax,
          message: `alias *${node.source} refers to no anchor defined before it`,
          path,
          position: at(node.range?.[0]),
        });
        return null;
      }
      if (walking.has(target)) {
        problems.push({
          code: DiagnosticCode.YamlSyntax,
          message: `alias *${node.source} refers to a node that contains it`,
          path,
          position: at(node.range?.[0]),
        });
        return null;
      }
      return walk(target, path, keyPos);
    }
    if (!isMap(node) && !isSeq(node) && !isScalar(node) && !isPair(node)) return null;
    const start = isPair(node) ? (node.key as Node | null)?.range?.[0] : node.range?.[0];
    // An empty value (`key:`) sits where the key is, not at the end of the line.
    const empty = isScalar(node) && node.range != null && node.range[0] === node.range[1];
    const value = empty && keyPos ? keyPos : at(start);
    record(path, keyPos ? { key: keyPos, value } : { value });
    if (isScalar(node)) return scalarValue(node, path, value);
    walking.add(node);
    try {
      if (isSeq(node)) {
        return node.items.map((item, index) => walk(item, [...path, index]));
      }
      const pairs: Pair[] = isPair(node) ? [node] : (node.items as Pair[]);
      const out: Record<string, unknown> = {};
      for (const pair of pairs) {
        const keyNode = pair.key as Node | null;
        const pairKeyPos =
          keyNode && "range" in keyNode && keyNode.range ? at(keyNode.range[0]) : value;
        const key = keyString(keyNode, path, pairKeyPos);
        if (key === undefined) continue;
        const childPath = [...path, key];
        if (key === "__proto__") {
          problems.push({
            code: DiagnosticCode.InvalidKey,
            message: '"__proto__" is not allowed as a key',
            path: childPath,
            position: pairKeyPos,
          });
          continue;
        }
        if (Object.hasOwn(out, key)) duplicates.push(childPath);
        out[key] = walk(pair.value, childPath, pairKeyPos);
      }
      return out;
    } finally {
      walking.delete(node);
    }
  };

  const value = walk(doc.contents, []);
  return { value, positions, problems, duplicates, truncated: exhausted };
}
