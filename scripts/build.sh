#!/usr/bin/env bash
# Configures and builds Lathe into ./build (Ninja, ccache when present). Extra args go to CMake configure.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -G Ninja "$@" >/dev/null
cmake --build build -j"$(nproc)"
