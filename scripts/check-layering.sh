#!/usr/bin/env bash
# Proves the layering: core, the CLI and the core tests build without the GUI (-DLATHE_BUILD_GUI=OFF, into
# build-nogui/), and no translation unit of that build sees a Qt GUI or Widgets header, nor core any Qt at all.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build-nogui -G Ninja -DLATHE_BUILD_GUI=OFF -DLATHE_BUILD_BENCH=OFF -DLATHE_WARNINGS_AS_ERRORS=ON "$@" >/dev/null
cmake --build build-nogui -j"$(nproc)"
commands=build-nogui/compile_commands.json
if grep -qE 'QtGui|QtWidgets|QtPrintSupport|qcustomplot' "$commands"; then
  echo "check-layering: a target of the GUI-free build includes Qt GUI headers:" >&2
  grep -oE '"file": "[^"]*"' <(grep -E 'QtGui|QtWidgets|QtPrintSupport|qcustomplot' "$commands" -B0 -A3) | head >&2 || true
  exit 1
fi
if python3 - "$commands" <<'PY'
import json, sys
bad = [c["file"] for c in json.load(open(sys.argv[1]))
       if "/core/" in c["file"] and ("/Qt" in c["command"] or "/qt6" in c["command"])]
print("\n".join(bad))
sys.exit(0 if bad else 1)
PY
then
  echo "check-layering: the core files above are compiled with Qt include paths" >&2
  exit 1
fi
test -x build-nogui/app/lathe || { echo "check-layering: the CLI was not built" >&2; exit 1; }
test ! -e build-nogui/app/lathe-studio || { echo "check-layering: lathe-studio built with the GUI off" >&2; exit 1; }
echo "check-layering: core, the CLI and the core tests build without the GUI; core sees no Qt"
