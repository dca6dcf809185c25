#!/usr/bin/env bash
# One command for a fresh Debian 12 machine (as root): installs everything the
# tool needs and runs a real benchmark on this machine (the `local` cluster):
# a Luanti server and 20 simulated players, every "node" measured.
set -euo pipefail
cd "$(dirname "$0")/.."

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
  echo "Node.js 20.19 or newer is needed (found: $(node --version 2>/dev/null || echo none))." >&2
  echo "Install it (e.g. from nodejs.org or NodeSource) and run this again." >&2
  exit 1
fi

bash scripts/install-system-deps.sh
npm ci --no-audit --no-fund
npm run build
node bin/luanti-bench.js doctor || true
node bin/luanti-bench.js run --cluster local --nodes 3 --bots 20 --duration 30 --out runs/setup-demo
echo "Result, chart and summary: runs/setup-demo/"
