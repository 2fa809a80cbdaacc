#!/usr/bin/env bash
# Renders every page of Lathe Studio to docs/images/studio-*.png under a virtual X server (Xvfb), with the
# bundled stories260K model compiled w4v8, for docs/studio.md.
#   scripts/screenshots.sh [build folder]   (default: build-screenshots, configured and built here)
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$root/build-screenshots}"
out="$root/docs/images"

command -v xvfb-run >/dev/null || { echo "screenshots: xvfb-run is missing; run scripts/setup-deps.sh" >&2; exit 1; }
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$root" -B "$build" -G Ninja -DLATHE_BUILD_GUI=ON -DLATHE_BUILD_TESTS=ON -DLATHE_BUILD_BENCH=OFF
fi
cmake --build "$build" --target studio_screenshots lathe -j"$(nproc)"

mkdir -p "$out"
# A real X server (not the offscreen platform) so fonts, styles and the window frame render as on a desktop.
QT_QPA_PLATFORM=xcb xvfb-run -a -s "-screen 0 1600x1200x24 -dpi 96" \
  "$build/tests/gui/studio_screenshots" "$out"
