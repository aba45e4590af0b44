#!/usr/bin/env bash
# Installs the npm packages the test suite runs (MCP reference servers, the MCP Inspector, …),
# exactly as pinned: `npm ci` in every test-deps/*/ that has a package-lock.json. A directory whose
# lock has not changed since its last install is left as it is.
set -euo pipefail
here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
for dir in "$here"/*/; do
  dir=${dir%/}
  [ -f "$dir/package-lock.json" ] || continue
  stamp="$dir/node_modules/.installed-lock.json"
  if [ -f "$stamp" ] && cmp -s "$dir/package-lock.json" "$stamp"; then
    continue
  fi
  printf 'setup: npm ci in test-deps/%s\n' "${dir##*/}" >&2
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  cp "$dir/package-lock.json" "$stamp"
done
