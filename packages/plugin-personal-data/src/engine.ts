import { FieldNameIndex } from "./field-names.js";
import { fieldPosition } from "./field-position.js";
import { builtinRules } from "./rules.js";
import { caseSensitiveTrie, trieSource, wordKey } from "./trie.js";
import type {
  FieldNameRuleDefinition,
  NormalizerName,
  PatternRuleDefinition,
  RuleDefinition,
} from "./types.js";
import { getValidator, normalizeValue, type Validator } from "./validators.js";

/** A pattern rule ready to run. */
export interface CompiledPatternRule {
  readonly def: PatternRuleDefinition;
  readonly regex: RegExp;
  readonly anchor: RegExp | null;
  readonly anchorBefore: number;
  readonly anchorAfter: number;
  readonly context: RegExp | null;
  readonly negative: RegExp | null;
  readonly window: number;
  readonly validator: Validator | null;
  readonly normalize: NormalizerName;
  readonly testValues: ReadonlySet<string>;
  readonly testPatterns: readonly RegExp[];
}

/** Rules compiled once and reused for every text of a run. */
export interface RuleSet {
  /** Ids of the enabled rules, in definition order. */
  readonly enabled: readonly string[];
  readonly byId: ReadonlyMap<string, RuleDefinition>;
  readonly patterns: readonly CompiledPatternRule[];
  readonly fieldNames: FieldNameIndex | null;
  /** Rules that count only next to a context word; searched around the lexicon's hits. */
  readonly contextual: readonly CompiledPatternRule[];
  /** Context word key → the contextual rules it enables. */
  readonly contextWords: ReadonlyMap<string, readonly CompiledPatternRule[]>;
  /** One pass over a text finds field names and context words. */
  readonly lexicon: Lexicon | null;
  /** The same without field names, for text that is not code (database cells). */
  readonly contextLexicon: Lexicon | null;
  /** Capitalised field names (`Email` of `userEmail`), case-sensitive; humps checked after. */
  readonly camelNames: RegExp | null;
  /** Pattern rules used to mask evidence context: every known rule, enabled or not. */
  readonly maskers: readonly CompiledPatternRule[];
}

/** Regexes of the lexicon pass: words after a boundary character, and at the very start. */
export interface Lexicon {
  readonly inner: RegExp;
  readonly atStart: RegExp;
}

/** A value or field name found in a text; offsets index the text, no value is copied. */
export interface TextMatch {
  ruleId: string;
  type: string;
  category: string;
  start: number;
  end: number;
  confidence: number;
  reasons: string[];
  testValue: boolean;
  /** Tags a validator added (`infrastructure`), besides `test_value`. */
  tags?: string[];
}

export interface ScanTextOptions {
  /** Compiled rules; the built-in set when absent. */
  ruleSet?: RuleSet;
  /** Matches below this confidence are dropped (default 0.5). */
  minConfidence?: number;
  /** Look for personal-data field names in identifiers (default true). */
  fieldNames?: boolean;
  /** Path of the text; `.csv` / `.tsv` headers count as column names. */
  path?: string;
  /** Matches starting before this offset are ignored (a prefix added for context). */
  from?: number;
}

const DEFAULT_WINDOW = 32;
// Longest value a context-required rule can match: bounds the windows searched around
// context words.
const MAX_CONTEXT_VALUE = 64;
// Characters before a searched window kept so that lookbehinds see real text.
const LOOKBEHIND_MARGIN = 8;

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** One regex matching any of `words` as whole words, case-insensitive; separators flexible. */
function wordsRegex(words: readonly string[] | undefined, flags = "i"): RegExp | null {
  if (!words || words.length === 0) return null;
  const alts = [...words]
    .sort((a, b) => b.length - a.length)
    .map((w) => escapeRegex(w.trim()).replace(/\s+/g, String.raw`[\s_\-]*`));
  return new RegExp(`(?<![A-Za-z0-9])(?:${alts.join("|")})(?![A-Za-z])`, flags);
}

function addGlobal(flags: string | undefined): string {
  const f = (flags ?? "").replace(/[gy]/g, "");
  return `${f}g`;
}

function compilePattern(def: PatternRuleDefinition): CompiledPatternRule {
  const window = def.context_window ?? DEFAULT_WINDOW;
  const context = wordsRegex(def.context_words);
  let anchor: RegExp | null = null;
  let anchorBefore = 0;
  let anchorAfter = 0;
  if (def.context_required && context) {
    anchor = new RegExp(context.source, "gi");
    anchorBefore = window + MAX_CONTEXT_VALUE;
    anchorAfter = window + MAX_CONTEXT_VALUE;
  } else if (def.anchor) {
    anchor = new RegExp(def.anchor, "g");
    anchorBefore = def.anchor_before ?? 64;
    anchorAfter = def.anchor_after ?? 64;
  }
  return {
    def,
    regex: new RegExp(def.pattern, addGlobal(def.flags)),
    anchor,
    anchorBefore,
    anchorAfter,
    context,
    negative: wordsRegex(def.negative_context_words),
    window,
    validator: def.validator ? getValidator(def.validator) : null,
    normalize: def.normalize ?? "none",
    testValues: new Set(def.test_values ?? []),
    testPatterns: (def.test_value_patterns ?? []).map((p) => new RegExp(p, "i")),
  };
}

const isPattern = (r: RuleDefinition): r is PatternRuleDefinition => r.kind !== "field_name";
const isFieldName = (r: RuleDefinition): r is FieldNameRuleDefinition => r.kind === "field_name";

/**
 * Compiles rule definitions. `maskWith` lists the pattern rules used to mask evidence
 * context (default: the built-in rules plus `rules`), so a value of a disabled rule
 * never shows next to another finding.
 */
export function compileRules(
  rules: readonly RuleDefinition[],
  maskWith: readonly RuleDefinition[] = [...builtinRules, ...rules],
): RuleSet {
  const patterns = rules.filter(isPattern).map(compilePattern);
  const fields = rules.filter(isFieldName);
  const fieldNames = fields.length > 0 ? new FieldNameIndex(fields) : null;
  const contextual = patterns.filter((p) => p.def.context_required && p.context);
  const contextWords = new Map<string, CompiledPatternRule[]>();
  const contextWordList: string[] = [];
  for (const rule of contextual) {
    for (const word of rule.def.context_words ?? []) {
      contextWordList.push(word);
      const key = wordKey(word);
      const list = contextWords.get(key) ?? [];
      if (!list.includes(rule)) list.push(rule);
      contextWords.set(key, list);
    }
  }
  // The lexicon finds words that start at a boundary (a non-alphanumeric character,
  // `_` included), so most positions of a text are rejected on one character test;
  // camelCase humps (`userEmail`) get their own case-sensitive pass.
  const names = fields.flatMap((f) => f.names);
  const lexiconWords = (withNames: boolean) => [...contextWordList, ...(withNames ? names : [])];
  const lexiconBody = (withNames: boolean) =>
    String.raw`(?:${trieSource(lexiconWords(withNames), String.raw`[\s_\-]*`)})\d*(?![A-Za-z])`;
  const makeLexicon = (withNames: boolean): Lexicon | null =>
    lexiconWords(withNames).length === 0
      ? null
      : {
          inner: new RegExp(`[^A-Za-z0-9]${lexiconBody(withNames)}`, "gi"),
          atStart: new RegExp(`^${lexiconBody(withNames)}`, "i"),
        };
  const humps = names.flatMap((name) => {
    const words = name.split("_").filter(Boolean);
    const cap = (w: string) => w[0]!.toUpperCase() + w.slice(1).toLowerCase();
    return [words.map(cap).join(""), cap(words.join(""))];
  });
  const lexicon = makeLexicon(true);
  const contextLexicon = makeLexicon(false);
  const camelNames =
    humps.length > 0
      ? new RegExp(String.raw`(?:${caseSensitiveTrie(humps)})\d*(?![A-Za-z0-9_$])`, "g")
      : null;
  const seen = new Set<string>();
  const maskers: CompiledPatternRule[] = [];
  for (const def of maskWith.filter(isPattern)) {
    if (seen.has(def.id)) continue;
    seen.add(def.id);
    maskers.push(patterns.find((p) => p.def.id === def.id) ?? compilePattern(def));
  }
  return {
    enabled: rules.map((r) => r.id),
    byId: new Map(rules.map((r) => [r.id, r])),
    patterns,
    fieldNames,
    contextual,
    contextWords,
    lexicon,
    contextLexicon,
    camelNames,
    maskers,
  };
}

let defaultRuleSet: RuleSet | undefined;

/** The built-in rules, compiled once. */
export function builtinRuleSet(): RuleSet {
  defaultRuleSet ??= compileRules(builtinRules);
  return defaultRuleSet;
}

const round2 = (n: number) => Math.round(Math.min(1, Math.max(0, n)) * 100) / 100;
const contextLabel = (word: string) => word.toLowerCase().replace(/[\s_-]+/g, "_");

function isTestValue(rule: CompiledPatternRule, value: string): boolean {
  if (rule.testValues.size === 0 && rule.testPatterns.length === 0) return false;
  const normalized = normalizeValue(rule.normalize, value);
  if (rule.testValues.has(normalized)) return true;
  return rule.testPatterns.some((p) => p.test(normalized));
}

// A line that is only a label (`Phone:`, `Date of birth:`) names the value on the next line.
const LABEL_LINE = /^[ \t]*[A-Za-z][A-Za-z .'-]{0,40}:[ \t]*$/;

/**
 * Text searched for context words before and after a match: the match's own line only,
 * so a word on a neighbouring line (a key ending in `_dob` above a timestamp) is not
 * context; plus the line just above when it is a bare label (`Phone:`).
 */
function contextAround(text: string, start: number, end: number, window: number) {
  const lineStart = text.lastIndexOf("\n", start - 1) + 1;
  const from = Math.max(lineStart, start - window);
  let lineEnd = text.indexOf("\n", end);
  if (lineEnd < 0) lineEnd = text.length;
  let before = text.slice(from, start);
  if (lineStart > 0 && before.trim() === "") {
    const prevStart = text.lastIndexOf("\n", lineStart - 2) + 1;
    const prev = text.slice(prevStart, lineStart - 1);
    if (prev.length <= 48 && LABEL_LINE.test(prev)) before = `${prev} ${before}`;
  }
  return { before, after: text.slice(end, Math.min(lineEnd, end + window)) };
}

function evaluate(
  rule: CompiledPatternRule,
  text: string,
  start: number,
  end: number,
  minConfidence: number,
): TextMatch | null {
  const value = text.slice(start, end);
  let confidence = rule.def.confidence;
  const reasons = [`pattern:${rule.def.id}`];
  let tags: string[] | undefined;
  if (rule.validator) {
    const verdict = rule.validator(value);
    if (!verdict) return null;
    reasons.push(...verdict.reasons);
    confidence += verdict.adjust ?? 0;
    tags = verdict.tags;
  }
  if (rule.context || rule.negative) {
    // The value itself is left out: `mail` inside an address is no context.
    const { before, after } = contextAround(text, start, end, rule.window);
    if (rule.context) {
      const word = rule.context.exec(before) ?? rule.context.exec(after);
      if (word) {
        confidence += rule.def.context_boost ?? 0.2;
        reasons.push(`context:${contextLabel(word[0])}`);
      } else if (rule.def.context_required) {
        return null;
      }
    }
    // Negative words qualify what follows them (`version 1.2.3.4`), so only the text
    // before a match is searched.
    if (rule.negative) {
      const word = rule.negative.exec(before);
      if (word) {
        confidence -= rule.def.negative_context_penalty ?? 0.4;
        reasons.push(`negative_context:${contextLabel(word[0])}`);
      }
    }
  }
  confidence = round2(confidence);
  if (confidence < minConfidence) return null;
  return {
    ruleId: rule.def.id,
    type: rule.def.type,
    category: rule.def.category,
    start,
    end,
    confidence,
    reasons,
    testValue: isTestValue(rule, value),
    ...(tags ? { tags } : {}),
  };
}

function runRegexOver(
  rule: CompiledPatternRule,
  text: string,
  from: number,
  to: number,
  emit: (start: number, end: number) => void,
): void {
  const sliceFrom = Math.max(0, from - LOOKBEHIND_MARGIN);
  const whole = sliceFrom === 0 && to >= text.length;
  const subject = whole
    ? text
    : text.slice(sliceFrom, Math.min(text.length, to + LOOKBEHIND_MARGIN));
  const re = rule.regex;
  re.lastIndex = 0;
  for (let m = re.exec(subject); m !== null; m = re.exec(subject)) {
    if (m[0].length === 0) {
      re.lastIndex++;
      continue;
    }
    const start = sliceFrom + m.index;
    if (start >= from && start < to) emit(start, start + m[0].length);
  }
}

/** Calls `emit` for every regex match of a rule, searching only around anchors if it has any. */
export function forEachRuleMatch(
  rule: CompiledPatternRule,
  text: string,
  emit: (start: number, end: number) => void,
): void {
  const anchor = rule.anchor;
  if (!anchor) {
    runRegexOver(rule, text, 0, text.length, emit);
    return;
  }
  const len = text.length;
  let rangeStart = -1;
  let rangeEnd = -1;
  anchor.lastIndex = 0;
  for (let m = anchor.exec(text); m !== null; m = anchor.exec(text)) {
    if (m[0].length === 0) anchor.lastIndex++;
    const s = Math.max(0, m.index - rule.anchorBefore);
    const e = Math.min(len, m.index + m[0].length + rule.anchorAfter);
    if (rangeStart >= 0 && s <= rangeEnd) {
      if (e > rangeEnd) rangeEnd = e;
    } else {
      if (rangeStart >= 0) runRegexOver(rule, text, rangeStart, rangeEnd, emit);
      rangeStart = s;
      rangeEnd = e;
    }
  }
  if (rangeStart >= 0) runRegexOver(rule, text, rangeStart, rangeEnd, emit);
}

const isIdentChar = (c: number) =>
  (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 36;

function fieldNameMatch(
  index: FieldNameIndex,
  text: string,
  hitStart: number,
  end: number,
  minConfidence: number,
  path: string | undefined,
): TextMatch | null {
  let start = hitStart;
  const limit = Math.max(0, start - 64);
  while (start > limit && isIdentChar(text.charCodeAt(start - 1))) start--;
  while (start < hitStart && !isIdentStart(text.charCodeAt(start))) start++;
  const identifier = text.slice(start, end);
  const rule = index.match(identifier);
  if (!rule) return null;
  const position = fieldPosition(text, start, end, identifier, rule.category, path);
  if (!position) return null;
  const confidence = round2(rule.confidence + position.adjust);
  if (confidence < minConfidence) return null;
  return {
    ruleId: rule.id,
    type: "field_name",
    category: rule.category,
    start,
    end,
    confidence,
    reasons: [`pattern:${rule.id}`, position.reason],
    testValue: false,
  };
}

const isIdentStart = (c: number) =>
  (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 36;

/**
 * One pass of the lexicon: field names are matched where they stand, context words
 * open windows in which the rules that require them are then searched.
 */
function scanLexicon(
  ruleSet: RuleSet,
  text: string,
  fieldNames: boolean,
  minConfidence: number,
  path: string | undefined,
  from: number,
  out: TextMatch[],
): void {
  const lexicon = fieldNames ? ruleSet.lexicon : ruleSet.contextLexicon;
  if (!lexicon) return;
  const index = fieldNames ? ruleSet.fieldNames : null;
  let windows: Map<CompiledPatternRule, number[]> | null = null;
  const len = text.length;
  const onWord = (start: number, end: number) => {
    const word = text.slice(start, end);
    if (index && end > from && !isIdentChar(text.charCodeAt(end)) && !/\s/.test(word)) {
      const match = fieldNameMatch(index, text, start, end, minConfidence, path);
      if (match) out.push(match);
    }
    const rules = ruleSet.contextWords.get(wordKey(word.replace(/\d+$/, "")));
    if (!rules) return;
    windows ??= new Map();
    for (const rule of rules) {
      const list = windows.get(rule) ?? [];
      list.push(Math.max(0, start - rule.anchorBefore), Math.min(len, end + rule.anchorAfter));
      windows.set(rule, list);
    }
  };
  const first = lexicon.atStart.exec(text);
  if (first) onWord(0, first[0].length);
  const re = lexicon.inner;
  re.lastIndex = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    onWord(m.index + 1, m.index + m[0].length);
  }
  const camel = fieldNames ? ruleSet.camelNames : null;
  if (camel && index) {
    camel.lastIndex = 0;
    for (let m = camel.exec(text); m !== null; m = camel.exec(text)) {
      const end = m.index + m[0].length;
      const before = m.index > 0 ? text.charCodeAt(m.index - 1) : 0;
      // Only after a lower-case letter or digit: a hump, not the start of a word.
      if (end <= from || !((before >= 97 && before <= 122) || (before >= 48 && before <= 57)))
        continue;
      const match = fieldNameMatch(index, text, m.index, end, minConfidence, path);
      if (match) out.push(match);
    }
  }
  if (!windows) return;
  for (const [rule, list] of windows as Map<CompiledPatternRule, number[]>) {
    // Windows arrive in text order; merge those that touch, then search each once.
    let rangeStart = list[0]!;
    let rangeEnd = list[1]!;
    const flush = () =>
      runRegexOver(rule, text, rangeStart, rangeEnd, (s, e) => {
        if (s < from) return;
        const match = evaluate(rule, text, s, e, minConfidence);
        if (match) out.push(match);
      });
    for (let i = 2; i < list.length; i += 2) {
      if (list[i]! <= rangeEnd) {
        rangeEnd = Math.max(rangeEnd, list[i + 1]!);
      } else {
        flush();
        rangeStart = list[i]!;
        rangeEnd = list[i + 1]!;
      }
    }
    flush();
  }
}

/**
 * Keeps one match per overlapping stretch: of one type, the one that contains the other
 * (`21 284 698 2548` over its tail); else the most confident, then the longest.
 */
function resolveOverlaps(matches: TextMatch[], order: ReadonlyMap<string, number>): TextMatch[] {
  matches.sort((a, b) => a.start - b.start || b.end - a.end);
  const contains = (a: TextMatch, b: TextMatch) =>
    a.type === b.type && a.start <= b.start && a.end >= b.end && a.end - a.start > b.end - b.start;
  const better = (a: TextMatch, b: TextMatch) =>
    contains(a, b)
      ? true
      : contains(b, a)
        ? false
        : a.confidence !== b.confidence
          ? a.confidence > b.confidence
          : a.end - a.start !== b.end - b.start
            ? a.end - a.start > b.end - b.start
            : (order.get(a.ruleId) ?? 0) < (order.get(b.ruleId) ?? 0);
  const kept: TextMatch[] = [];
  for (const m of matches) {
    const last = kept[kept.length - 1];
    if (last && m.start < last.end) {
      if (better(m, last)) kept[kept.length - 1] = m;
    } else {
      kept.push(m);
    }
  }
  return kept;
}

const ruleOrders = new WeakMap<RuleSet, Map<string, number>>();

/**
 * Finds personal data in a text: each pattern rule runs once over the text (or only
 * around its anchors), validators and context words decide, overlaps keep the best
 * match. Returns offsets, never copies of the values, sorted by position then type.
 */
export function scanText(text: string, options: ScanTextOptions = {}): TextMatch[] {
  const ruleSet = options.ruleSet ?? builtinRuleSet();
  const minConfidence = options.minConfidence ?? 0.5;
  const from = options.from ?? 0;
  const found: TextMatch[] = [];
  for (const rule of ruleSet.patterns) {
    if (rule.def.context_required && rule.context) continue;
    forEachRuleMatch(rule, text, (start, end) => {
      if (start < from) return;
      const match = evaluate(rule, text, start, end, minConfidence);
      if (match) found.push(match);
    });
  }
  scanLexicon(
    ruleSet,
    text,
    options.fieldNames !== false,
    minConfidence,
    options.path,
    from,
    found,
  );
  if (found.length === 0) return found;
  let order = ruleOrders.get(ruleSet);
  if (!order) {
    order = new Map(ruleSet.enabled.map((id, i) => [id, i]));
    ruleOrders.set(ruleSet, order);
  }
  const kept = resolveOverlaps(found, order);
  return kept.sort((a, b) => a.start - b.start || (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
}
