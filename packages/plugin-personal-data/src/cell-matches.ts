import { type RuleSet, scanText, type TextMatch } from "./engine.js";

/**
 * What a scanning thread needs to scan database cells as the main thread does: the
 * rules and the confidence floor (cells are scanned without field names, from after
 * their column's context prefix).
 */
export interface CellScanSettings {
  ruleSet: RuleSet;
  minConfidence: number;
}

/**
 * The matches of a batch of cells, packed for the trip back from a scanning thread:
 * a database's rows give millions of small matches, and posting them as objects
 * (each with its strings and arrays) cost the main thread more to receive than
 * scanning the cells itself. Numbers travel in typed arrays, each distinct string or
 * list once per batch.
 */
export interface PackedCellMatches {
  /** Per cell, the index in the match columns after its last match (cumulative). */
  ends: Int32Array<ArrayBuffer>;
  /** Per match, {@link FIELDS} numbers: offsets, and indexes into `strings`/`lists`. */
  fields: Int32Array<ArrayBuffer>;
  confidences: Float64Array<ArrayBuffer>;
  strings: string[];
  /** Reasons and tags lists; index -1 is "no tags". */
  lists: string[][];
}

const FIELDS = 7;

/**
 * A batch of cells on its way to a scanning thread: their texts joined in one string,
 * with where each ends and where its value starts. Posting one string and two typed
 * arrays costs both threads less than posting hundreds of small strings one by one.
 */
export interface PackedCells {
  joined: string;
  ends: Int32Array<ArrayBuffer>;
  froms: Int32Array<ArrayBuffer>;
}

export function packCells(texts: readonly string[], froms: readonly number[]): PackedCells {
  const ends = new Int32Array(texts.length);
  let at = 0;
  for (let i = 0; i < texts.length; i++) {
    at += texts[i]!.length;
    ends[i] = at;
  }
  return { joined: texts.join(""), ends, froms: Int32Array.from(froms) };
}

/** The texts and offsets {@link packCells} packed. */
export function unpackCells(packed: PackedCells): { texts: string[]; froms: Int32Array } {
  const texts: string[] = [];
  let at = 0;
  for (const end of packed.ends) {
    texts.push(packed.joined.slice(at, end));
    at = end;
  }
  return { texts, froms: packed.froms };
}

/**
 * The matches of one database cell: its text (the column's context prefix, then the
 * value) scanned without field names, matches starting at `from` or later. The one
 * definition for the main thread and the scanning threads alike.
 */
export function scanCell(settings: CellScanSettings, text: string, from: number): TextMatch[] {
  return scanText(text, {
    ruleSet: settings.ruleSet,
    minConfidence: settings.minConfidence,
    fieldNames: false,
    from,
  });
}

/** Scans each cell (its text, matches counted from `froms[i]`) and packs the matches. */
export function scanCells(
  settings: CellScanSettings,
  texts: readonly string[],
  froms: ArrayLike<number>,
): PackedCellMatches {
  const perCell: TextMatch[][] = [];
  let total = 0;
  for (let i = 0; i < texts.length; i++) {
    const matches = scanCell(settings, texts[i]!, froms[i]!);
    perCell.push(matches);
    total += matches.length;
  }
  return packCellMatches(perCell, total);
}

/** Packs matches per cell; `total` is their number. */
export function packCellMatches(perCell: readonly TextMatch[][], total: number): PackedCellMatches {
  const ends = new Int32Array(perCell.length);
  const fields = new Int32Array(total * FIELDS);
  const confidences = new Float64Array(total);
  const strings: string[] = [];
  const lists: string[][] = [];
  const stringIndex = new Map<string, number>();
  const str = (s: string): number => {
    let i = stringIndex.get(s);
    if (i === undefined) {
      i = strings.push(s) - 1;
      stringIndex.set(s, i);
    }
    return i;
  };
  // A list is found by the indexes of its strings (a number while they are few and
  // short), not by a key string built for each match.
  const listIndex = new Map<number | string, number>();
  const list = (l: string[] | undefined): number => {
    if (l === undefined) return -1;
    let key: number | string = l.length;
    for (const item of l) {
      const i = str(item);
      key = typeof key === "number" && i < 1024 && l.length <= 4 ? key * 1024 + i : `${key},${i}`;
    }
    let i = listIndex.get(key);
    if (i === undefined) {
      i = lists.push(l) - 1;
      listIndex.set(key, i);
    }
    return i;
  };
  // A rule's reasons are most often those of its previous match: compared item by item
  // (the strings are made afresh for each match) before they are looked up.
  const lastReasons = new Map<string, { reasons: string[]; index: number }>();
  const reasonsOf = (match: TextMatch): number => {
    const last = lastReasons.get(match.ruleId);
    const { reasons } = match;
    if (last !== undefined && sameList(last.reasons, reasons)) return last.index;
    const index = list(reasons);
    lastReasons.set(match.ruleId, { reasons, index });
    return index;
  };
  let m = 0;
  for (let c = 0; c < perCell.length; c++) {
    for (const match of perCell[c]!) {
      const at = m * FIELDS;
      fields[at] = match.start;
      fields[at + 1] = match.end;
      fields[at + 2] = str(match.ruleId);
      fields[at + 3] = str(match.type);
      fields[at + 4] = str(match.category);
      fields[at + 5] = reasonsOf(match);
      fields[at + 6] = (list(match.tags) + 1) * 2 + (match.testValue ? 1 : 0);
      confidences[m] = match.confidence;
      m++;
    }
    ends[c] = m;
  }
  return { ends, fields, confidences, strings, lists };
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The matches of cell `cell` (its index in the batch), as {@link scanText} returned
 * them: equal field by field, each with arrays of its own.
 */
export function cellMatches(packed: PackedCellMatches, cell: number): TextMatch[] {
  const from = cell === 0 ? 0 : packed.ends[cell - 1]!;
  const to = packed.ends[cell]!;
  if (from === to) return NO_MATCHES;
  const { fields, confidences, strings, lists } = packed;
  const matches: TextMatch[] = [];
  for (let m = from; m < to; m++) {
    const at = m * FIELDS;
    const flags = fields[at + 6]!;
    const tags = (flags >> 1) - 1;
    const match: TextMatch = {
      ruleId: strings[fields[at + 2]!]!,
      type: strings[fields[at + 3]!]!,
      category: strings[fields[at + 4]!]!,
      start: fields[at]!,
      end: fields[at + 1]!,
      confidence: confidences[m]!,
      reasons: [...lists[fields[at + 5]!]!],
      testValue: (flags & 1) === 1,
    };
    if (tags >= 0) match.tags = [...lists[tags]!];
    matches.push(match);
  }
  return matches;
}

const NO_MATCHES: TextMatch[] = [];
