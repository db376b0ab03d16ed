import { isNode, type Node } from "yaml";
import { DiagnosticCode } from "./codes.js";
import type { Diagnostic } from "./types.js";
import { MAX_YAML_DEPTH, parseYaml } from "./yaml-document.js";

/** A YAML file read as plain values, with where each node is. */
export interface YamlValue {
  /** The document as plain values; `undefined` when it has YAML errors. */
  value: unknown;
  /** YAML syntax problems (with file:line:col); empty when `value` is usable. */
  diagnostics: Diagnostic[];
  /**
   * Line and column (1-based) of the node at `path`: its key when it is a mapping entry
   * (its value with `value`), else the value; the nearest ancestor present when the
   * path is not in the file.
   */
  locate(path: readonly (string | number)[], value?: boolean): { line: number; column: number };
}

/**
 * Parses a YAML file other than a runbook (a config file) with the same limits and
 * positions as runbooks, so its problems read like runbook problems. Never throws.
 */
export function parseYamlValue(text: string, file: string): YamlValue {
  const { lineCounter, doc, tooDeepAt } = parseYaml(text);
  const at = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  if (doc === undefined) {
    return {
      value: undefined,
      diagnostics: [
        {
          code: DiagnosticCode.YamlSyntax,
          message: `the document nests deeper than ${MAX_YAML_DEPTH} levels`,
          file,
          ...at(tooDeepAt ?? 0),
          path: "",
        },
      ],
      locate: () => ({ line: 0, column: 0 }),
    };
  }
  const diagnostics: Diagnostic[] = doc.errors.map((error) => ({
    code: error.code === "DUPLICATE_KEY" ? DiagnosticCode.DuplicateKey : DiagnosticCode.YamlSyntax,
    message: error.message.split("\n")[0] ?? error.message,
    file,
    ...at(error.pos[0]),
    path: "",
  }));
  const locate = (path: readonly (string | number)[], value = false) => {
    for (let end = path.length; end >= 0; end--) {
      const parent = end === 0 ? doc : doc.getIn(path.slice(0, end - 1), true);
      if (end === 0) break;
      const collection = parent as { items?: Array<{ key?: unknown; value?: unknown }> };
      const segment = path[end - 1];
      const item =
        typeof segment === "number"
          ? { value: collection.items?.[segment] }
          : collection.items?.find(
              (pair) => isNode(pair.key) && (pair.key as { value?: unknown }).value === segment,
            );
      const node = (
        value && end === path.length ? (item?.value ?? item?.key) : (item?.key ?? item?.value)
      ) as Node | undefined;
      if (isNode(node) && node.range) return at(node.range[0]);
    }
    const root = doc.contents;
    return root?.range ? at(root.range[0]) : { line: 1, column: 1 };
  };
  return {
    value: diagnostics.length === 0 ? doc.toJS({ maxAliasCount: 100 }) : undefined,
    diagnostics,
    locate,
  };
}
