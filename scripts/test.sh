#!/usr/bin/env bash
# Sets up a fresh machine, builds everything and runs the whole test suite (benchmarks excluded).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-deps.sh
bash scripts/install-peers.sh
bash scripts/build.sh -DLATHE_WARNINGS_AS_ERRORS=ON
ctest --test-dir build --output-on-failure -j"$(nproc)" -LE bench
