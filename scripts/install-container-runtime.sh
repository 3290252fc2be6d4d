#!/usr/bin/env bash
# What the registry mirror tests run: containerd (and its ctr), the distribution registry and skopeo, from the
# distribution's packages. Installs only what is missing: a machine that has containerd from elsewhere (Docker's
# containerd.io on GitHub's runners) keeps it.
set -euo pipefail
declare -A package_of=([containerd]=containerd [ctr]=containerd [docker-registry]=docker-registry [skopeo]=skopeo)
missing=()
for tool in containerd ctr docker-registry skopeo; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("${package_of[$tool]}")
done
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo -n)
packages=$(printf '%s\n' "${missing[@]}" | sort -u | tr '\n' ' ')
echo "installing ${packages}for the registry mirror tests"
"${sudo[@]}" apt-get update -q
# shellcheck disable=SC2086 # one word per package
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $packages
