/**
 * Builds the test of `include_tables` / `exclude_tables`. Entries are table names or
 * globs where `*` matches any run of characters and `?` one character; like SQLite
 * itself, matching ignores ASCII case. Without `include`, every table is included.
 */
export function tableFilter(
  include: readonly string[] | undefined,
  exclude: readonly string[],
): (name: string) => boolean {
  const included = include === undefined ? () => true : anyMatches(include);
  const excluded = anyMatches(exclude);
  return (name) => included(name) && !excluded(name);
}

function anyMatches(globs: readonly string[]): (name: string) => boolean {
  const patterns = globs.map(globToRegExp);
  return (name) => patterns.some((pattern) => pattern.test(name));
}

function globToRegExp(glob: string): RegExp {
  let source = "";
  for (const char of glob) {
    if (char === "*") source += "[\\s\\S]*";
    else if (char === "?") source += "[\\s\\S]";
    else source += char.replace(/[\\^$.|+()[\]{}]/g, "\\$&");
  }
  return new RegExp(`^${source}$`, "iu");
}
