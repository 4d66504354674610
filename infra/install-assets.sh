#!/usr/bin/env bash
# Front-end libraries for the map come from npm (no CDN at run time). Idempotent.
set -euo pipefail
cd "$(dirname "$0")/../web"
[ -f package.json ] || exit 0
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
mkdir -p ../services/web/static/vendor
node copy-assets.mjs
