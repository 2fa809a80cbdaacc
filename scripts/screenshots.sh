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
shots="$build/tests/gui/studio_screenshots"
# A real X server (not the offscreen platform) so fonts, styles and the window frame render as on a desktop.
xvfb=(xvfb-run -a -s "-screen 0 1600x1200x24 -dpi 96")
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/upper" "$tmp/work" "$tmp/home"

# The pages show the project's paths. In a private mount namespace an overlay on /home (changes kept in $tmp)
# adds an ordinary-looking home folder, /home/alex, so the images show no temporary path; the real /home is
# untouched. Where user namespaces are not allowed, the home folder stays a temporary one.
overlay="mount -t overlay overlay -o lowerdir=/home,upperdir=$tmp/upper,workdir=$tmp/work /home"
if unshare --user --map-root-user --mount sh -c "$overlay" 2>/dev/null; then
  unshare --user --map-root-user --mount sh -c "$overlay && mkdir /home/alex && exec \"\$@\"" sh \
    env QT_QPA_PLATFORM=xcb "${xvfb[@]}" "$shots" "$out" /home/alex
else
  echo "screenshots: no user namespaces here; the images show a temporary home folder" >&2
  QT_QPA_PLATFORM=xcb "${xvfb[@]}" "$shots" "$out" "$tmp/home"
fi
