#!/usr/bin/env bash
# Installs the Debian packages the tool and its tests use, when any is missing.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
packages=(minetest-server openssh-server openssh-client slurmctld slurmd slurm-client munge victoria-metrics iproute2 procps redis-server fonts-dejavu-core)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
