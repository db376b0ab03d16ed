// Sticky scanners for isJsonText: they move a cursor and copy nothing.
const JSON_SPACE = /[ \t\n\r]*/y;
// Characters inside a JSON string, up to 1,024 escapes at a time (the bound keeps the
// regex engine's backtracking stack small for strings with millions of escapes).
const JSON_CHARS =
  /[^"\\\u0000-\u001f]*(?:\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})[^"\\\u0000-\u001f]*){0,1024}/y;
const JSON_SCALAR = /true|false|null|-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

/**
 * Whether the text is exactly one JSON value (RFC 8259, as JSON.parse accepts it).
 * A parse would do, but it would build (and drop) a copy of a large artifact right
 * when the text and its bytes are both held; this check allocates nothing.
 */
export function isJsonText(text: string): boolean {
  let at = 0;
  const eat = (pattern: RegExp): boolean => {
    pattern.lastIndex = at;
    if (!pattern.test(text)) return false;
    at = pattern.lastIndex;
    return true;
  };
  const string = (): boolean => {
    if (text.charCodeAt(at) !== 0x22) return false;
    at++;
    for (;;) {
      const from = at;
      eat(JSON_CHARS);
      if (text.charCodeAt(at) === 0x22) {
        at++;
        return true;
      }
      // Stuck on a bad escape, a control character or the end of the text.
      if (at === from) return false;
    }
  };
  const member = (): boolean => {
    eat(JSON_SPACE);
    if (!string()) return false;
    eat(JSON_SPACE);
    return text.charCodeAt(at++) === 0x3a;
  };
  // Closing character of each open container, innermost last: no recursion.
  const open: number[] = [];
  for (;;) {
    eat(JSON_SPACE);
    const c = text.charCodeAt(at);
    if (c === 0x7b || c === 0x5b) {
      const close = c === 0x7b ? 0x7d : 0x5d;
      at++;
      eat(JSON_SPACE);
      if (text.charCodeAt(at) === close) {
        at++;
      } else {
        open.push(close);
        if (close === 0x7d && !member()) return false;
        continue;
      }
    } else if (!(c === 0x22 ? string() : eat(JSON_SCALAR))) {
      return false;
    }
    // After a value: close containers until a comma asks for the next value.
    for (;;) {
      eat(JSON_SPACE);
      const close = open[open.length - 1];
      if (close === undefined) return at === text.length;
      const c = text.charCodeAt(at++);
      if (c === 0x2c) {
        if (close === 0x7d && !member()) return false;
        break;
      }
      if (c !== close) return false;
      open.pop();
    }
  }
}
