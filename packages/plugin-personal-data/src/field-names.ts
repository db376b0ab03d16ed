import type { FieldNameRuleDefinition } from "./types.js";

/** Splits an identifier into lower-case words: `customerFirstName` → customer, first, name. */
export function identifierWords(identifier: string): string[] {
  return identifier
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

// Leading words that make an identifier a predicate or an action about personal data
// (`isMobile`, `validateEmail`), not a field that holds it.
const NOT_A_FIELD_PREFIX = new Set([
  "is",
  "has",
  "have",
  "can",
  "should",
  "allow",
  "enable",
  "disable",
  "show",
  "hide",
  "validate",
  "valid",
  "format",
  "parse",
  "mask",
  "hash",
  "normalize",
  "require",
  "needs",
  "use",
]);

/** Looks personal-data field names up by the trailing words of an identifier. */
export class FieldNameIndex {
  // Joined words (`firstname`) → rule, or null for names declared not personal.
  private readonly byJoined = new Map<string, FieldNameRuleDefinition | null>();
  // Joined words → most words a listed name has: `TIn` (t, in) is not `tin`.
  private readonly maxWords = new Map<string, number>();

  constructor(rules: readonly FieldNameRuleDefinition[]) {
    for (const rule of rules) {
      for (const name of rule.names) {
        const words = identifierWords(name);
        if (words.length === 0) continue;
        const joined = words.join("");
        if (!this.byJoined.has(joined)) this.byJoined.set(joined, rule);
        this.maxWords.set(joined, Math.max(this.maxWords.get(joined) ?? 0, words.length));
      }
      for (const name of rule.exclude_names ?? []) {
        this.byJoined.set(identifierWords(name).join(""), null);
      }
    }
  }

  /** The rule whose name the identifier ends with (longest wins), or undefined. */
  match(identifier: string): FieldNameRuleDefinition | undefined {
    const words = identifierWords(identifier);
    while (words.length > 1 && /^\d+$/.test(words[words.length - 1]!)) words.pop();
    if (words.length === 0) return undefined;
    if (words.length > 1 && NOT_A_FIELD_PREFIX.has(words[0]!)) return undefined;
    for (let i = 0; i < words.length; i++) {
      const joined = words.slice(i).join("");
      const hit = this.byJoined.get(joined);
      if (hit === null) return undefined;
      if (hit && words.length - i <= (this.maxWords.get(joined) ?? 0)) return hit;
    }
    return undefined;
  }
}
