#!/usr/bin/env bash
# Prints the root of a filesystem mirror holding the hashicorp/aws provider (the folder that contains
# registry.terraform.io/), found wherever this machine keeps it (below the folders given, / by default); prints nothing
# when there is none.
# Only a mirror that stays: never one below a temporary folder (a bench run's plugin cache, another test's copy), nor
# the providers `terraform init` put in a stack's .terraform folder, which the next synthesis replaces. Either may be
# deleted by the process that made it while plans still use it ("no package for ... cached").
# Usage: export TF_PROVIDER_MIRROR="${TF_PROVIDER_MIRROR:-$(scripts/find-provider-mirror.sh)}"
set -euo pipefail
[ $# -gt 0 ] || set -- /
prune=(-path /proc -o -path /sys -o -path /dev -o -name .terraform)
for temporary in /tmp /var/tmp "${TMPDIR:-/tmp}"; do
  temporary=$(realpath -m "$temporary")
  prune+=(-o -path "$temporary" -o -path "$temporary/*")
done
for root in "$@"; do
  root=$(realpath -m "$root")
  binary=$(find "$root" \( "${prune[@]}" \) -prune -o \
    -type f -name 'terraform-provider-aws_v*' -path '*/registry.terraform.io/hashicorp/aws/*' -print -quit 2>/dev/null || true)
  if [ -n "$binary" ]; then
    printf '%s\n' "${binary%%/registry.terraform.io/*}"
    exit 0
  fi
done
exit 0
