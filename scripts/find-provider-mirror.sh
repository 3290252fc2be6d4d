#!/usr/bin/env bash
# Prints the root of a filesystem mirror holding the hashicorp/aws provider (the folder that contains
# registry.terraform.io/), found wherever this machine keeps it; prints nothing when there is none.
# Usage: export TF_PROVIDER_MIRROR="${TF_PROVIDER_MIRROR:-$(scripts/find-provider-mirror.sh)}"
set -euo pipefail
binary=$(find / \( -path /proc -o -path /sys -o -path /dev \) -prune -o \
  -type f -name 'terraform-provider-aws_v*' -path '*/registry.terraform.io/hashicorp/aws/*' -print -quit 2>/dev/null || true)
[ -n "$binary" ] && printf '%s\n' "${binary%%/registry.terraform.io/*}"
exit 0
