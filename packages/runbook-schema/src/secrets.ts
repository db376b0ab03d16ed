import type { EnvVars } from "./env.js";

/**
 * Values substituted from the environment into a runbook, each mapped to the
 * placeholder that produced it (`${NAME}`). Error messages show the placeholder
 * instead of the value, so a secret passed through `${VAR}` is never printed or stored.
 */
export type SecretValues = ReadonlyMap<string, string>;

/**
 * Shorter values are not masked: they cannot be told apart from ordinary text (a
 * timeout of `${T}` = `30` would otherwise blank every "30" of every message).
 */
export const MIN_MASKED_LENGTH = 4;

// Longer strings are shown cut after this many characters in diagnostics; the cut
// form of a long secret is masked too.
const SHOWN_PREFIX = 40;

const PLACEHOLDER = /(\$?)\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-[^}]*)?\}/g;

/**
 * Every value `${NAME}` placeholders of `text` take from `env` (as {@link substituteEnv}
 * would substitute them; defaults written in the file are not secrets), added to `into`.
 */
export function collectSubstitutedValues(
  text: string,
  env: EnvVars,
  into: Map<string, string> = new Map(),
): Map<string, string> {
  for (const match of text.matchAll(PLACEHOLDER)) {
    if (match[1] === "$") continue; // `$${` is a literal `${`
    const name = match[2]!;
    const value = Object.hasOwn(env, name) ? env[name] : undefined;
    if (value === undefined || value.length < MIN_MASKED_LENGTH) continue;
    const expression = `\${${name}}`;
    into.set(value, expression);
    // As diagnostics and JSON show it: quoted characters escaped, long values cut.
    const escaped = JSON.stringify(value).slice(1, -1);
    if (escaped !== value) into.set(escaped, expression);
    if (value.length > SHOWN_PREFIX) into.set(value.slice(0, SHOWN_PREFIX), expression);
  }
  return into;
}

/** `text` with every substituted value replaced by its `${NAME}` placeholder. */
export function maskSecrets(text: string, secrets: SecretValues | undefined): string {
  if (secrets === undefined || secrets.size === 0) return text;
  let out = text;
  // Longest first, so a value containing another is replaced whole.
  const values = [...secrets.keys()].sort((a, b) => b.length - a.length);
  for (const value of values) {
    if (out.includes(value)) out = out.split(value).join(secrets.get(value)!);
  }
  return out;
}
