// Irregexp tries every alternative of `a|b|c` at each position; factoring the words
// into a trie (`ph(?:one|ax)`) lets it reject most positions on the first character.

type TrieNode = Map<string, TrieNode> & { end?: boolean };

const SEPARATOR = "\u0000";
const escapeChar = (c: string) => c.replace(/[.*+?^${}()|[\]\\/#-]/g, "\\$&");

/**
 * Regex source matching any of `words` (compared lower-case; use the `i` flag), with
 * every run of spaces, `_` or `-` inside a word matching `separator`.
 */
export function trieSource(words: Iterable<string>, separator: string): string {
  const root: TrieNode = new Map();
  for (const word of words) {
    const chars = word
      .trim()
      .toLowerCase()
      .replace(/[\s_-]+/g, SEPARATOR);
    if (chars === "") continue;
    insert(root, chars);
  }
  return renderTrie(root, (ch) => (ch === SEPARATOR ? separator : escapeChar(ch)));
}

/** Regex source matching any of `words` exactly as written (no `i` flag needed). */
export function caseSensitiveTrie(words: Iterable<string>): string {
  const root: TrieNode = new Map();
  for (const word of words) {
    insert(root, word);
  }
  return renderTrie(root, (ch) => escapeChar(ch));
}

function renderTrie(node: TrieNode, token: (ch: string) => string): string {
  const alts = [...node]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([ch, child]) => token(ch) + renderTrie(child, token));
  if (alts.length === 0) return "";
  const body = alts.length === 1 ? alts[0]! : `(?:${alts.join("|")})`;
  return node.end ? `(?:${body})?` : body;
}

/** Key of a context word or a matched text: lower case, without separators (`dateOfBirth` = `date of birth`). */
export const wordKey = (text: string) => text.toLowerCase().replace(/[\s_-]+/g, "");

function insert(root: TrieNode, chars: string): void {
  let node = root;
  for (const ch of chars) {
    let next = node.get(ch);
    if (!next) {
      next = new Map();
      node.set(ch, next);
    }
    node = next;
  }
  node.end = true;
}
