#!/usr/bin/env bash
# Proves the layering: core, the CLI and the core tests build without the GUI (-DLATHE_BUILD_GUI=OFF), and no
# translation unit of that build sees a Qt GUI or Widgets header, nor core any Qt at all.
# Runs in the build folder that scripts/build.sh made (the GUI option changes no flag of core, the CLI or the core
# tests, so their objects are reused rather than built a second time with another precompiled header), then
# configures it back with the GUI.
set -euo pipefail
cd "$(dirname "$0")/.."
build=build
cmake -S . -B "$build" -DLATHE_BUILD_GUI=OFF >/dev/null
trap 'cmake -S . -B "$build" -DLATHE_BUILD_GUI=ON >/dev/null' EXIT
cmake --build "$build" -j"$(nproc)"
commands="$build/compile_commands.json"
if python3 - "$commands" <<'PY'
import json, sys
bad = []
for c in json.load(open(sys.argv[1])):
    cmd, f = c["command"], c["file"]
    if any(m in cmd for m in ("QtGui", "QtWidgets", "QtPrintSupport", "qcustomplot")):
        bad.append(f + ": Qt GUI include path")
    elif "/core/" in f and ("/Qt" in cmd or "qt6" in cmd):
        bad.append(f + ": core compiled with Qt include paths")
print("\n".join(bad))
sys.exit(0 if bad else 1)
PY
then
  echo "check-layering: the GUI-free build is not free of the GUI (see above)" >&2
  exit 1
fi
if ninja -C "$build" -t targets all | grep -qE '^(lathe_ui|lathe-studio)[.:]'; then
  echo "check-layering: GUI targets exist with LATHE_BUILD_GUI=OFF" >&2
  exit 1
fi
echo "check-layering: core, the CLI and the core tests build without the GUI; core sees no Qt"
