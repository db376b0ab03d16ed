import type { RuleSet, TextMatch } from "./engine.js";
import { forEachRuleMatch } from "./engine.js";
import type { LineIndex } from "./lines.js";
import { maskLeftovers, maskValue } from "./mask.js";
import type { PatternRuleDefinition } from "./types.js";

// Text around a context window searched for values that cross its edges.
const MASK_MARGIN = 64;

interface Span {
  start: number;
  end: number;
  rule: PatternRuleDefinition;
}

const fullMask = (s: string) => s.replace(/[0-9A-Za-z]/g, "*");

/**
 * `text[from, to)` with every value any known rule's pattern matches masked (validators
 * and context requirements ignored: masking errs on the side of hiding), then every
 * leftover (digit runs, text around an `@`) masked too.
 */
export function maskContext(ruleSet: RuleSet, text: string, from: number, to: number): string {
  if (to <= from) return "";
  const exFrom = Math.max(0, from - MASK_MARGIN);
  const snippet = text.slice(exFrom, Math.min(text.length, to + MASK_MARGIN));
  const spans: Span[] = [];
  for (const rule of ruleSet.maskers) {
    forEachRuleMatch(rule, snippet, (start, end) => {
      if (exFrom + end > from && exFrom + start < to) {
        spans.push({ start: exFrom + start, end: exFrom + end, rule: rule.def });
      }
    });
  }
  spans.sort((a, b) => a.start - b.start || b.end - a.end);
  let out = "";
  let pos = from;
  for (const span of spans) {
    if (span.end <= pos) continue;
    const s = Math.max(span.start, pos);
    if (s > pos) out += maskLeftovers(text.slice(pos, s));
    const e = Math.min(span.end, to);
    if (span.start >= from && span.end <= to) {
      out += maskValue(span.rule.type, text.slice(span.start, span.end), span.rule.mask);
    } else {
      out += fullMask(text.slice(s, e));
    }
    pos = e;
    if (pos >= to) break;
  }
  if (pos < to) out += maskLeftovers(text.slice(pos, to));
  return out;
}

/**
 * Evidence of a match: its masked value with up to `contextChars` characters of masked
 * text on each side, never crossing a line break nor going before `minOffset`.
 */
export function buildEvidence(
  ruleSet: RuleSet,
  text: string,
  match: TextMatch,
  contextChars: number,
  lines: LineIndex,
  minOffset = 0,
): string {
  const rule = ruleSet.byId.get(match.ruleId);
  const mask = rule && rule.kind !== "field_name" ? rule.mask : undefined;
  const value = maskValue(match.type, text.slice(match.start, match.end), mask);
  if (contextChars <= 0) return value;
  const bounds = lines.lineBounds(match.start);
  const from = Math.max(bounds.start, minOffset, match.start - contextChars);
  const to = Math.min(Math.max(bounds.end, match.end), match.end + contextChars);
  return (
    maskContext(ruleSet, text, from, match.start) +
    value +
    maskContext(ruleSet, text, match.end, to)
  );
}
