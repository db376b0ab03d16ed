#!/usr/bin/env bash
# `pnpm check:fresh`: the README's first two commands as a new user runs them — a fresh
# clone of HEAD, an empty HOME (no pnpm store, no node-gyp header cache, no ~/.npmrc)
# and a global npm prefix of its own, so `npm install -g pnpm` is exercised too. It
# needs only Node 20+, npm and the npm registry. Slow (minutes): run it before every
# stop, not in every CI run. Commit first: it clones HEAD, not the working tree
# (WCT_FRESH_REF=<commit> checks another commit of this repository instead).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT

git clone --quiet --no-hardlinks "$repo" "$work/clone"
git -C "$work/clone" checkout --quiet "$(git -C "$repo" rev-parse "${WCT_FRESH_REF:-HEAD}")"
mkdir "$work/home" "$work/prefix"

# Only what a fresh machine would have: no inherited npm/pnpm settings or caches. The
# machine's own network setup (proxy, extra CA certificates) is kept.
machine=()
while IFS= read -r name; do machine+=("$name=${!name}"); done < <(
  compgen -e | grep -iE '^(https?_proxy|no_proxy|NODE_EXTRA_CA_CERTS|SSL_CERT_(FILE|DIR))$' || true
)
env -i "${machine[@]}" PATH="$work/prefix/bin:$PATH" HOME="$work/home" TMPDIR="${TMPDIR:-/tmp}" \
  npm_config_prefix="$work/prefix" TERM=dumb LANG="${LANG:-C.UTF-8}" \
  bash -c '
    set -euo pipefail
    cd "$1/clone"
    readme=$(sed -n "/^On a fresh clone/,/^\`\`\`\$/p" README.md | sed -n "/^\`\`\`sh/,/^\`\`\`\$/p" | sed "1d;\$d")
    [ "$(printf "%s\n" "$readme" | wc -l)" -eq 2 ] || { echo "README: expected two commands"; exit 1; }
    while IFS= read -r cmd; do
      echo "+ $cmd"
      start=$(date +%s)
      bash -c "$cmd"
      echo "fresh-machine: \"$cmd\" passed in $(( $(date +%s) - start ))s"
    done <<< "$readme"
  ' fresh "$work"
echo "fresh-machine check passed"
