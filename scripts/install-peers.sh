#!/usr/bin/env bash
# Installs the third-party reference implementations the peer tests (ctest -L peer) compare against.
#  - tests/peers: llama.cpp through node-llama-cpp and its prebuilt x86-64 Linux binaries, pinned by
#    tests/peers/package-lock.json, into tests/peers/node_modules.
#  - tests/<area>/peers/install.sh: installers other test areas keep next to their own pins; run here too,
#    so one command prepares every peer test.
# Needs Node.js >= 18 and the npm registry. Idempotent: does nothing when everything matches its lock.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
command -v npm >/dev/null || { echo "install-peers: npm not found; install Node.js (Debian: nodejs npm)" >&2; exit 1; }

cd "$root/tests/peers"
stamp=node_modules/.lathe-lock-sha256
want="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" && -d node_modules/@node-llama-cpp/linux-x64/bins ]]; then
  echo "install-peers: tests/peers is up to date"
else
  # The prebuilt CPU binaries come with @node-llama-cpp/linux-x64 (a direct dependency); the GPU and
  # other-platform builds are optional dependencies of node-llama-cpp and are left out. Nothing is compiled.
  NODE_LLAMA_CPP_SKIP_DOWNLOAD=true npm ci --no-audit --no-fund --ignore-scripts --omit=optional
  echo "$want" > "$stamp"
  echo "install-peers: installed tests/peers/node_modules"
fi

for installer in "$root"/tests/*/peers/install.sh; do
  [[ -f "$installer" ]] && bash "$installer"
done
exit 0
