/** Variables for `${VAR}` substitution. */
export type EnvVars = Record<string, string | undefined>;

/** A problem found while substituting one string. */
export interface EnvProblem {
  code: "ERR_MISSING_ENV" | "ERR_ENV_SYNTAX";
  message: string;
  /** The variable, for `ERR_MISSING_ENV`. */
  variable?: string;
  /** Offset of the `$` of the placeholder in the input string. */
  index: number;
}

/** Result of {@link substituteEnv}. */
export interface EnvSubstitution {
  /** The string with placeholders replaced (problem placeholders are left as written). */
  value: string;
  /** True when the input is exactly one `${...}` placeholder and nothing else. */
  whole: boolean;
  problems: EnvProblem[];
}

const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Replaces `${VAR}` and `${VAR:-default}` (default used when VAR is unset or empty);
 * `$${` is a literal `${`. A `$` not followed by `{` is kept as is. Defaults are
 * taken literally (no nested placeholders) and end at the first `}`.
 */
export function substituteEnv(input: string, env: EnvVars): EnvSubstitution {
  const problems: EnvProblem[] = [];
  let out = "";
  let placeholders = 0;
  let i = 0;
  while (i < input.length) {
    const next = input.indexOf("$", i);
    if (next === -1) {
      out += input.slice(i);
      break;
    }
    out += input.slice(i, next);
    if (input.startsWith("$${", next)) {
      out += "${";
      i = next + 3;
      continue;
    }
    if (input[next + 1] !== "{") {
      out += "$";
      i = next + 1;
      continue;
    }
    placeholders++;
    const close = input.indexOf("}", next + 2);
    if (close === -1) {
      problems.push({
        code: "ERR_ENV_SYNTAX",
        message: `unterminated "\${" (no closing "}")`,
        index: next,
      });
      out += input.slice(next);
      break;
    }
    const body = input.slice(next + 2, close);
    const split = body.indexOf(":-");
    const name = split === -1 ? body : body.slice(0, split);
    const fallback = split === -1 ? undefined : body.slice(split + 2);
    i = close + 1;
    if (!VAR_NAME.test(name)) {
      problems.push({
        code: "ERR_ENV_SYNTAX",
        message: `invalid placeholder "\${${body}}": use \${NAME} or \${NAME:-default} with NAME matching [A-Za-z_][A-Za-z0-9_]*`,
        index: next,
      });
      out += input.slice(next, close + 1);
      continue;
    }
    const value = Object.hasOwn(env, name) ? env[name] : undefined;
    if (value !== undefined && (value !== "" || fallback === undefined)) {
      out += value;
    } else if (fallback !== undefined) {
      out += fallback;
    } else {
      problems.push({
        code: "ERR_MISSING_ENV",
        message: `environment variable "${name}" is not set`,
        variable: name,
        index: next,
      });
      out += input.slice(next, close + 1);
    }
  }
  const whole =
    placeholders === 1 && input.startsWith("${") && input.indexOf("}") === input.length - 1;
  return { value: out, whole, problems };
}
