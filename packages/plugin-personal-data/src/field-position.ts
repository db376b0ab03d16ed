import { wordKey } from "./trie.js";

// Where an identifier that names personal data stands decides whether it is reported:
// only declarations (a key, an assignment, a typed parameter or property, a variable
// declaration, a SQL column, a form field, a CSV header) say "this field holds personal
// data". References (`user.email`, `row["email"]`), string values (`"type": "zip"`),
// comments, prose, and i18n tables (`email: "E-mail address"`) do not.

const SQL_TYPE =
  /[ \t]+(?:VARCHAR|NVARCHAR|CHAR|CHARACTER|TEXT|CLOB|INTEGER|INT|BIGINT|SMALLINT|NUMERIC|DECIMAL|REAL|FLOAT|DOUBLE|DATE|DATETIME|TIMESTAMP|TIMESTAMPTZ|BOOLEAN|BOOL|BLOB|UUID|STRING|JSON|JSONB)\b/iy;
const DECLARATION =
  /(?:^|[^A-Za-z0-9_$])(?:const|let|var|val|private|public|protected|readonly|final|static|String|string|int|str|my|local)\s+$/;
// `name="email"`, `formControlName="phone"`, `v-model="form.email"`: a form field.
const FORM_ATTRIBUTE =
  /(?:^|[\s<])(?:name|id|for|formControlName|ng-model|v-model|autocomplete)\s*=\s*["']$/;
const COMMENT_START = /^[ \t]*(?:\/\/|\/\*|\*|#|--|<!--|;|%|')/;
const PROSE_PATH = /\.(?:md|markdown|mdx|rst|adoc)$/i;
const I18N_PATH =
  /(?:^|[/\\])(?:locales?|i18n|l10n|lang|langs|languages|translations?|messages|nls)(?:[/\\._-]|$)|\.(?:po|pot|xlf|xliff|strings|properties|resx)$/i;
// A quoted string value after a key, up to 80 characters.
const STRING_VALUE = /\s*(?::|=)\s*(["'`])([^"'`\n]{1,80})\1/y;
const HEX_VALUE = /\s*(?::|=)\s*["'`]?0x[0-9a-fA-F]/y;

/** Code fences of the last Markdown text seen (texts are scanned one at a time). */
let fencedText: string | null = null;
let fences: number[] = [];

function insideFence(text: string, offset: number): boolean {
  if (fencedText !== text) {
    fencedText = text;
    fences = [];
    const re = /^[ \t]*(?:```|~~~)/gm;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) fences.push(m.index);
  }
  let inside = false;
  for (const f of fences) {
    if (f > offset) break;
    inside = !inside;
  }
  return inside;
}

// Lines longer than this are minified or generated code: nothing there is a declaration
// a reader could act on.
const MAX_LINE_PREFIX = 1000;

/** The line's text before `start`, or null past `MAX_LINE_PREFIX` characters. */
function lineBefore(text: string, start: number): string | null {
  const limit = Math.max(0, start - MAX_LINE_PREFIX);
  let i = start - 1;
  while (i >= limit && text.charCodeAt(i) !== 10) i--;
  if (i < limit && limit > 0) return null;
  return text.slice(i + 1, start);
}

/** The innermost bracket still open on the line before the identifier (`(`, `{`, `[`). */
function openBracket(before: string): string | null {
  let depth = 0;
  for (let i = before.length - 1; i >= 0; i--) {
    const c = before[i]!;
    if (c === ")" || c === "}" || c === "]") depth++;
    else if (c === "(" || c === "{" || c === "[") {
      if (depth === 0) return c;
      depth--;
    }
  }
  return null;
}

/**
 * How an identifier at `text[start, end)` is used, and the confidence change that
 * implies; null when the position declares nothing (the name is not reported).
 */
export function fieldPosition(
  text: string,
  start: number,
  end: number,
  identifier: string,
  category: string,
  path: string | undefined,
): { reason: string; adjust: number } | null {
  if (path && /\.(?:csv|tsv)$/i.test(path)) {
    return text.lastIndexOf("\n", start - 1) < 0
      ? { reason: "context:csv_header", adjust: 0.05 }
      : null;
  }
  const before = lineBefore(text, start);
  if (before === null) return null;
  if (COMMENT_START.test(before) || /(?:^|\s)\/\/|\/\*/.test(before)) return null;
  if (path && PROSE_PATH.test(path) && !insideFence(text, start)) return null;
  const prev = start > 0 ? text[start - 1]! : "";
  if (FORM_ATTRIBUTE.test(before)) return { reason: "context:form_field", adjust: 0 };
  let j = end;
  const closing = text[j];
  const quoted = closing === '"' || closing === "'" || closing === "`";
  if (quoted) j++;
  while (text[j] === " " || text[j] === "\t") j++;
  const next = text[j] ?? "";
  const after = text[j + 1] ?? "";
  // A quoted word is a key only when quoted on both sides; `"zip"` in `"type": "zip"`
  // is a value.
  if (quoted && prev !== closing) return null;
  const key =
    (next === ":" && after !== ":") ||
    (next === "=" && after !== "=" && after !== ">") ||
    (next === "?" && after === ":");
  if (key) {
    // A type, a class or a regex named after a kind of data holds none.
    if (/(?:^|\s)(?:type|interface|class|enum)\s+$/.test(before)) return null;
    if (next === "=" && /^\s*\//.test(text.slice(j + 1, j + 4))) return null;
    // A parameter or a call's argument (`check(address: string)`) is no field.
    if (openBracket(before) === "(") return null;
    // A property of something else (`user.email = x`) is a use, not a declaration.
    if (
      prev === "." &&
      !/(?:^|[^A-Za-z0-9_$])(?:this|self)\.$/.test(text.slice(start - 6, start))
    ) {
      return null;
    }
    if (category.startsWith("user.contact.address")) {
      HEX_VALUE.lastIndex = end + (quoted ? 1 : 0);
      if (HEX_VALUE.test(text)) return null; // `address: 0x7ffd…`, a memory address
    }
    if (isLabel(text, end + (quoted ? 1 : 0), identifier, path)) return null;
    return { reason: quoted ? "context:key" : "context:assignment", adjust: 0 };
  }
  if (!quoted && j > end) {
    SQL_TYPE.lastIndex = end;
    if (SQL_TYPE.test(text)) return { reason: "context:sql_column", adjust: 0.05 };
  }
  if (prev !== "." && DECLARATION.test(text.slice(Math.max(0, start - 24), start))) {
    return { reason: "context:declaration", adjust: 0 };
  }
  return null;
}

/**
 * Whether the key at `end` maps to a display label (`email: "E-mail address"`,
 * `phone: "Téléphone"`), as in i18n tables: a string without digits or `@` that repeats
 * the key's last word, or any string value in a translation file.
 */
function isLabel(text: string, end: number, identifier: string, path: string | undefined): boolean {
  STRING_VALUE.lastIndex = end;
  const m = STRING_VALUE.exec(text);
  if (!m) return false;
  const value = m[2]!;
  if (path && I18N_PATH.test(path)) return true;
  if (value.includes("@") || /\d{3}/.test(value)) return false;
  const words = identifier
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  const last = words[words.length - 1];
  if (!last) return false;
  const normalized = wordKey(value.normalize("NFD").replace(/[\u0300-\u036f]/g, ""));
  return normalized.includes(last);
}
