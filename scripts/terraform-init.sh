#!/usr/bin/env bash
# `terraform init` of a synthesized stack in a pipeline job. With the environments' lock file (copied into the stack
# by synth), the lock file is read-only: the job installs the release it names, checked against its checksums, or
# fails. Without one it says so: each job then takes the newest release the constraint admits.
set -euo pipefail
stack_dir=${1:?usage: scripts/terraform-init.sh STACK_DIR}
if [ -f "$stack_dir/.terraform.lock.hcl" ]; then
  terraform -chdir="$stack_dir" init -input=false -lockfile=readonly
else
  echo "::warning::$stack_dir has no .terraform.lock.hcl: keep one beside the environment files (docs/versions.md, "Provider versions"), or plans and applies may install different provider releases"
  terraform -chdir="$stack_dir" init -input=false
fi
