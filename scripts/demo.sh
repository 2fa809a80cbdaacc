#!/usr/bin/env bash
# The main job on the bundled default: sets up, builds, imports the stories260K model into a
# Hugging Face directory, and generates a story from it.
set -euo pipefail
cd "$(dirname "$0")/.."
data="${LATHE_SHARED_DATA:-$(cd .. && pwd)/shared/data}"
bash scripts/setup-deps.sh
bash scripts/build.sh
lathe=build/app/lathe
out=build/demo
mkdir -p "$out"

echo "== import stories260K (GGUF) into a Hugging Face model directory"
"$lathe" import --from "$data/models/stories260K/stories260K.gguf" \
  --tokenizer "$data/models/stories260K/tok512.model" --out "$out/stories260K" --force
"$lathe" inspect --model_path "$out/stories260K"

echo "== generate (greedy)"
"$lathe" generate --model_path "$out/stories260K" --prompt "Once upon a time" --max-new-tokens 120 --greedy
echo
