import {
  Composer,
  type CST,
  type Document,
  isScalar,
  Lexer,
  LineCounter,
  Parser,
  visit,
  YAMLParseError,
} from "yaml";

// Deeper nesting than any runbook needs. yaml composes recursively and relies on
// catching stack overflows, which V8 cannot always survive (a regexp compiled near the
// stack limit aborts the process); rejecting deep documents up front avoids that.
export const MAX_YAML_DEPTH = 128;

// The parser's stack holds the document, each open collection and at most a few
// tokens around the innermost one; past this it certainly nests deeper than
// MAX_YAML_DEPTH (the exact check runs on the finished CST).
const MAX_PARSER_STACK = 2 * MAX_YAML_DEPTH + 8;

export interface ParsedYaml {
  lineCounter: LineCounter;
  /** Undefined when the document nests deeper than {@link MAX_YAML_DEPTH}. */
  doc?: Document.Parsed;
  /** Offset of the first token beyond the depth limit. */
  tooDeepAt?: number;
}

/** `parseDocument` with a nesting limit checked on the CST before composing. */
export function parseYaml(text: string): ParsedYaml {
  const lineCounter = new LineCounter();
  // Parser.parse() step by step, watching the parser's stack: a document nested far
  // too deep is refused at the first token beyond the bound, before the parser has
  // built (and the composer recursed through) a million levels.
  const parser = new Parser(lineCounter.addNewLine);
  lineCounter.addNewLine(0);
  const tokens: CST.Token[] = [];
  for (const lexeme of new Lexer().lex(text, false)) {
    for (const token of parser.next(lexeme)) tokens.push(token);
    if (parser.stack.length > MAX_PARSER_STACK) return { lineCounter, tooDeepAt: parser.offset };
  }
  for (const token of parser.end()) tokens.push(token);
  const tooDeepAt = findTooDeep(tokens);
  if (tooDeepAt !== undefined) return { lineCounter, tooDeepAt };
  // yaml's own `uniqueKeys` check compares each key with every key before it: quadratic,
  // seconds for a runbook of 10,000 artifacts. reportDuplicateKeys does it in one pass.
  const composer = new Composer({ prettyErrors: false, uniqueKeys: false });
  let doc: Document.Parsed | undefined;
  for (const next of composer.compose(tokens, true, text.length)) {
    if (!doc) {
      doc = next;
    } else {
      doc.errors.push(
        new YAMLParseError(
          [next.range[0], next.range[1]],
          "MULTIPLE_DOCS",
          "a runbook file holds one YAML document; remove the second '---' section",
        ),
      );
      break;
    }
  }
  reportDuplicateKeys(doc!);
  return { lineCounter, doc: doc! };
}

/**
 * Adds a `DUPLICATE_KEY` error for each repeated key of a mapping, where yaml's
 * `uniqueKeys: true` would have: scalar keys of equal value (`===`, as yaml compares
 * them), at the repeated key.
 */
function reportDuplicateKeys(doc: Document.Parsed): void {
  visit(doc, {
    Map(_, map) {
      const seen = new Set<unknown>();
      for (const { key } of map.items) {
        if (!isScalar(key) || Number.isNaN(key.value)) continue;
        if (!seen.has(key.value)) {
          seen.add(key.value);
          continue;
        }
        const at = key.range?.[0] ?? 0;
        doc.errors.push(
          new YAMLParseError([at, at + 1], "DUPLICATE_KEY", "Map keys must be unique"),
        );
      }
    },
  });
}

function findTooDeep(tokens: CST.Token[]): number | undefined {
  const stack: Array<{ token: CST.Token | null | undefined; depth: number }> = tokens.map(
    (token) => ({ token, depth: 0 }),
  );
  while (stack.length > 0) {
    const { token, depth } = stack.pop()!;
    if (!token) continue;
    if (depth > MAX_YAML_DEPTH) return token.offset;
    if (token.type === "document") {
      stack.push({ token: token.value, depth });
    } else if (
      token.type === "block-map" ||
      token.type === "block-seq" ||
      token.type === "flow-collection"
    ) {
      for (const item of token.items) {
        if ("key" in item) stack.push({ token: item.key, depth: depth + 1 });
        stack.push({ token: item.value, depth: depth + 1 });
      }
    }
  }
  return undefined;
}
