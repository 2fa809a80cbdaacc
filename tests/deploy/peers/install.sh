#!/usr/bin/env bash
# Installs the pinned runtimes the ONNX export peer tests run exported models in (package-lock.json): ONNX Runtime
# for Node.js (its CPU library ships inside the package) and transformers.js. --ignore-scripts: onnxruntime-node's
# install script downloads GPU binaries from a host outside the npm registry, which Lathe never needs.
# Idempotent: does nothing when node_modules already matches the lock file.
set -euo pipefail
cd "$(dirname "$0")"
stamp=node_modules/.lathe-lock.sha256
want="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" && -f node_modules/onnxruntime-node/package.json ]]; then
  echo "deploy peers: up to date"
  exit 0
fi
command -v npm >/dev/null || { echo "npm not found; install Node.js (Debian: nodejs npm)" >&2; exit 1; }
npm ci --ignore-scripts --no-audit --no-fund
echo "$want" > "$stamp"
echo "deploy peers: installed"
