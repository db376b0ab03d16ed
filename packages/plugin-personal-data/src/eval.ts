import { readdir, readFile } from "node:fs/promises";
import { dirname, join, relative, resolve, sep } from "node:path";
import { compileRules, type RuleSet, scanText } from "./engine.js";
import { LabelledSetError } from "./errors.js";
import { LineIndex } from "./lines.js";
import { builtinRules } from "./rules.js";

// Scoring of the detection rules against labelled data, so that a rule change is
// measured rather than guessed. Nothing here keeps or prints a matched value: scores
// are counts, and the only text a report carries is file paths and type names.

/** Counts and ratios of one finding type. */
export interface TypeScore {
  /** Labelled values that a finding of the same type covers. */
  true_positives: number;
  /** Findings of the type that cover no labelled value of that type. */
  false_positives: number;
  /** Labelled values no finding of their type covers. */
  false_negatives: number;
  /** `true_positives / findings`; null without findings. */
  precision: number | null;
  /** `true_positives / labelled`; null without labelled values. */
  recall: number | null;
}

/** The scores of one labelled set. */
export interface EvalReport {
  /** `presidio` (JSON records with character spans) or `tsv` (`file, line, type`). */
  format: "presidio" | "tsv";
  /** Records (Presidio) or files (TSV) scanned. */
  documents: number;
  /** Types scored: those the set labels (findings of other types are not judged). */
  by_type: Record<string, TypeScore>;
  /** Labelled entity types that no detector covers (Presidio `PERSON`, ...), with counts. */
  unscored_labels: Record<string, number>;
}

export interface EvalOptions {
  /** Findings below this confidence are dropped (default 0.5, the processor's default). */
  minConfidence?: number;
  /** Rules to score (default: the built-in set). */
  ruleSet?: RuleSet;
  /**
   * Presidio only: smallest intersection-over-union of a finding and a labelled span
   * for a match (default 0.9, the threshold of Presidio's published figures).
   */
  iou?: number;
}

/** Presidio entity types and the finding types that detect them. */
export const PRESIDIO_TYPES: Readonly<Record<string, string>> = {
  EMAIL_ADDRESS: "email",
  PHONE_NUMBER: "phone_number",
  CREDIT_CARD: "payment_card",
  IBAN_CODE: "iban",
  IP_ADDRESS: "ip_address",
  US_SSN: "us_ssn",
};

interface Span {
  type: string;
  start: number;
  end: number;
}

const ratio = (n: number, d: number) => (d === 0 ? null : Math.round((n / d) * 1000) / 1000);

class Tally {
  private readonly counts = new Map<string, { tp: number; fp: number; fn: number }>();
  constructor(types: Iterable<string>) {
    for (const t of types) this.counts.set(t, { tp: 0, fp: 0, fn: 0 });
  }
  has(type: string) {
    return this.counts.has(type);
  }
  add(type: string, key: "tp" | "fp" | "fn") {
    const c = this.counts.get(type);
    if (c) c[key]++;
  }
  scores(): Record<string, TypeScore> {
    const out: Record<string, TypeScore> = {};
    for (const [type, c] of [...this.counts].sort(([a], [b]) => (a < b ? -1 : 1))) {
      out[type] = {
        true_positives: c.tp,
        false_positives: c.fp,
        false_negatives: c.fn,
        precision: ratio(c.tp, c.tp + c.fp),
        recall: ratio(c.tp, c.tp + c.fn),
      };
    }
    return out;
  }
}

// Presidio offsets count code points; JavaScript strings index UTF-16 code units.
function codePointOffsets(text: string): number[] {
  const map: number[] = [];
  let i = 0;
  for (const ch of text) {
    map.push(i);
    i += ch.length;
  }
  map.push(i);
  return map;
}

const iouOf = (a: Span, b: { start: number; end: number }) => {
  const inter = Math.min(a.end, b.end) - Math.max(a.start, b.start);
  if (inter <= 0) return 0;
  return inter / (Math.max(a.end, b.end) - Math.min(a.start, b.start));
};

const invalid = (where: string, what: string) =>
  new LabelledSetError(
    `${where}: ${what}. Give a Presidio JSON file (records with full_text and spans) or a TSV of file, line, type.`,
  );

/**
 * Scores the rules against records in Presidio's evaluation format
 * (`[{full_text, spans: [{entity_type, start_position, end_position}]}]`, offsets in code
 * points). A labelled span counts as found when a finding of its type overlaps it with
 * an intersection-over-union of at least `iou`.
 */
export function scorePresidio(records: unknown, options: EvalOptions = {}): EvalReport {
  if (!Array.isArray(records)) throw invalid("Presidio set", "the top level is not an array");
  const ruleSet = options.ruleSet ?? compileRules(builtinRules);
  const minIou = options.iou ?? 0.9;
  const tally = new Tally(new Set(Object.values(PRESIDIO_TYPES)));
  const unscored: Record<string, number> = {};
  records.forEach((record, index) => {
    const r = record as { full_text?: unknown; spans?: unknown };
    if (typeof r?.full_text !== "string" || !Array.isArray(r.spans)) {
      throw invalid(`Presidio record ${index}`, "full_text or spans is missing");
    }
    const text = r.full_text;
    const offsets = codePointOffsets(text);
    const gold: Span[] = [];
    for (const s of r.spans as Array<Record<string, unknown>>) {
      const entity = String(s.entity_type);
      const type = PRESIDIO_TYPES[entity];
      if (!type) {
        unscored[entity] = (unscored[entity] ?? 0) + 1;
        continue;
      }
      const start = offsets[Number(s.start_position)];
      const end = offsets[Number(s.end_position)];
      if (start === undefined || end === undefined) {
        throw invalid(`Presidio record ${index}`, "a span lies outside full_text");
      }
      gold.push({ type, start, end });
    }
    const found = scanText(text, {
      ruleSet,
      minConfidence: options.minConfidence ?? 0.5,
      fieldNames: false,
    }).filter((m) => tally.has(m.type));
    const matched = new Set<Span>();
    for (const f of found) {
      const hit = gold.find((g) => g.type === f.type && !matched.has(g) && iouOf(g, f) >= minIou);
      if (hit) {
        matched.add(hit);
        tally.add(f.type, "tp");
      } else {
        tally.add(f.type, "fp");
      }
    }
    for (const g of gold) if (!matched.has(g)) tally.add(g.type, "fn");
  });
  return {
    format: "presidio",
    documents: records.length,
    by_type: tally.scores(),
    unscored_labels: unscored,
  };
}

/** One labelled line of a TSV set. */
export interface LineLabel {
  file: string;
  line: number;
  type: string;
}

/**
 * Reads a TSV of `file<TAB>line<TAB>type` (one labelled value per row; `#` comments and
 * blank lines ignored, an optional `file line type` header allowed). Files are relative
 * to the TSV's folder.
 */
export function parseLabels(tsv: string, where = "labels"): LineLabel[] {
  const labels: LineLabel[] = [];
  let header = true;
  tsv.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const cols = line.split("\t").map((c) => c.trim());
    const first = header;
    header = false;
    if (first && cols[0] === "file" && cols[1] === "line") return;
    const n = Number(cols[1]);
    if (cols.length < 3 || !cols[0] || !Number.isInteger(n) || n < 1 || !cols[2]) {
      throw invalid(`${where} line ${i + 1}`, "expected file<TAB>line<TAB>type");
    }
    labels.push({ file: cols[0].split(sep).join("/"), line: n, type: cols[2] });
  });
  return labels;
}

/**
 * Scores the rules against files labelled line by line: a (file, line, type) with a
 * finding of that type on that line is a true positive, a finding whose (file, line,
 * type) is not labelled a false positive. Every file given is scanned, labelled or not,
 * so unlabelled look-alikes count against precision. Types scored: those labelled, plus
 * `extraTypes`.
 */
export function scoreLines(
  files: ReadonlyArray<{ path: string; text: string }>,
  labels: readonly LineLabel[],
  options: EvalOptions & { extraTypes?: readonly string[] } = {},
): EvalReport {
  const ruleSet = options.ruleSet ?? compileRules(builtinRules);
  const tally = new Tally(new Set([...labels.map((l) => l.type), ...(options.extraTypes ?? [])]));
  const gold = new Set(labels.map((l) => `${l.file}\t${l.line}\t${l.type}`));
  const known = new Set(files.map((f) => f.path));
  for (const l of labels) {
    if (!known.has(l.file))
      throw invalid(`label ${l.file}:${l.line}`, "the file is not in the set");
  }
  const predicted = new Set<string>();
  for (const file of files) {
    const lines = new LineIndex(file.text);
    for (const m of scanText(file.text, {
      ruleSet,
      minConfidence: options.minConfidence ?? 0.5,
      path: file.path,
    })) {
      if (!tally.has(m.type)) continue;
      predicted.add(`${file.path}\t${lines.position(m.start).line}\t${m.type}`);
    }
  }
  for (const key of predicted) tally.add(key.split("\t")[2]!, gold.has(key) ? "tp" : "fp");
  for (const key of gold) if (!predicted.has(key)) tally.add(key.split("\t")[2]!, "fn");
  return { format: "tsv", documents: files.length, by_type: tally.scores(), unscored_labels: {} };
}

async function listFiles(root: string, skip: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string) => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile() && full !== skip) out.push(full);
    }
  };
  await walk(root);
  return out.sort();
}

/**
 * Scores the rules against a labelled set on disk: a `.json` file in Presidio's format,
 * or a `.tsv` of `file, line, type` whose folder (every file in it, recursively) is the
 * corpus.
 */
export async function evaluateLabelledSet(
  path: string,
  options: EvalOptions = {},
): Promise<EvalReport> {
  let raw: string;
  try {
    raw = await readFile(path, "utf8");
  } catch (cause) {
    throw new LabelledSetError(`Cannot read the labelled set ${path}: check the path.`, { cause });
  }
  if (/\.json$/i.test(path)) {
    let records: unknown;
    try {
      records = JSON.parse(raw);
    } catch {
      throw invalid(path, "not valid JSON");
    }
    return scorePresidio(records, options);
  }
  if (!/\.tsv$/i.test(path)) throw invalid(path, "the file name ends neither in .json nor .tsv");
  const labels = parseLabels(raw, path);
  const root = dirname(resolve(path));
  const files = await Promise.all(
    (await listFiles(root, resolve(path))).map(async (full) => ({
      path: relative(root, full).split(sep).join("/"),
      text: await readFile(full, "utf8"),
    })),
  );
  return scoreLines(files, labels, options);
}

const pct = (n: number | null) => (n === null ? "-" : n.toFixed(3));

/** The report as a plain-text table: one row per type. */
export function formatEvalReport(report: EvalReport): string {
  const rows = Object.entries(report.by_type).map(([type, s]) => [
    type,
    String(s.true_positives + s.false_negatives),
    String(s.true_positives + s.false_positives),
    String(s.true_positives),
    pct(s.precision),
    pct(s.recall),
  ]);
  const head = ["TYPE", "LABELLED", "FOUND", "MATCHED", "PRECISION", "RECALL"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: string[]) =>
    r
      .map((c, i) => c.padEnd(widths[i]!))
      .join("  ")
      .trimEnd();
  return [fmt(head), ...rows.map(fmt)].join("\n");
}
