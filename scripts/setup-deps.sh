#!/usr/bin/env bash
# Installs every Debian package that building, testing and packaging Lathe needs.
# Idempotent: re-running it only installs what is missing. Needs root (or sudo).
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config
  qt6-base-dev qt6-base-dev-tools qt6-svg-dev qt6-tools-dev libgl-dev
  libqcustomplot-dev libqcustomplot2.1-qt6
  libtorch-dev libopenblas0-pthread
  libcurl4-openssl-dev
  libsentencepiece-dev sentencepiece
  nlohmann-json3-dev libcli11-dev libfmt-dev
  libpcre2-dev libicu-dev libsnappy-dev libzstd-dev zlib1g-dev libssl-dev
  python3-torch python3-numpy
  libonnx-dev python3-onnx

  xvfb xauth fonts-dejavu-core curl
  clang-format-14
  clang-15 libfuzzer-15-dev libstdc++-11-dev llvm-15  # the sanitized build and the fuzz targets (scripts/sanitize.sh)
)

# Node.js runs the peer implementations the tests compare against; take Debian's only when none is installed
# (machines may carry a newer Node.js with its own npm, which Debian's npm package would conflict with).
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  packages+=(nodejs npm)
fi

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup-deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "setup-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -q
"${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
