#!/usr/bin/env bash
# The `sanitize` tests: builds core, the CLI, the unit tests and one libFuzzer target per parser with clang-15
# under AddressSanitizer + UndefinedBehaviorSanitizer into ./build-sanitize (no GUI, no benchmarks), then runs
# the unit tests and fuzzes each target for a fixed time from its corpus (tests/fuzz, docs/reliability.md).
# Usage: scripts/sanitize.sh [seconds per fuzz target, default 20]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-20}"
bash scripts/setup-deps.sh
CC=clang-15 CXX=clang++-15 cmake -S . -B build-sanitize -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DLATHE_SANITIZE=ON -DLATHE_BUILD_FUZZ=ON -DLATHE_BUILD_GUI=OFF -DLATHE_BUILD_BENCH=OFF \
  -DLATHE_FUZZ_SECONDS="$seconds" >/dev/null
cmake --build build-sanitize -j"$(nproc)"
# Leaks are reported for the fuzz targets by libFuzzer itself; libtorch's and Qt's process-lifetime singletons
# would make every unit test "leak" at exit, so leak detection is off for the tests (not for the targets).
export ASAN_SYMBOLIZER_PATH=/usr/lib/llvm-15/bin/llvm-symbolizer  # stack traces with file and line
ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1" \
UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
  ctest --test-dir build-sanitize --output-on-failure -j"$(nproc)" -L sanitize
