#!/usr/bin/env bash
# The main job on the bundled default: sets up, builds, imports the stories260K model into a Hugging Face
# directory, builds calibration samples from TinyStories train text, compiles it w4v8, rotates the embedding,
# compares float and compiled perplexity and generates a story with the compiled model.
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

echo "== embedding and calibration samples (TinyStories train text)"
"$lathe" download-model --repo_id "$out/stories260K" --embedding "$out/embedding.pt"
"$lathe" generate-calib --model_tag stories260K --embedding_path "$out/embedding.pt" --tokenizer_path "$out/stories260K" \
  --text_file "$data/text/tinystories/TinyStories-train_head2MiB.txt" --languages en \
  --min_seqlen 128 --max_seqlen 256 --max_calib 64 --output_dir "$out/calib"

echo "== compile w4v8"
"$lathe" compile --model_path "$out/stories260K" --calib_data_path "$out/calib/datas/stories260K" \
  --save_path "$out/stories260K-w4v8.compiled.safetensors" --bit w4v8 --output-dir "$out" --no-resume

echo "== rotate the embedding with the R1 rotation"
"$lathe" rotate-embedding --embedding_path "$out/embedding.pt" \
  --rotation_matrix_path "$out/spinWeight/stories260K/R1/global_rotation.pth" --output_path "$out/embedding_rot.pt"

echo "== float vs compiled (TinyStories validation, ctx 256)"
"$lathe" eval --compare --model_path "$out/stories260K" --mxq-path "$out/stories260K-w4v8.compiled.safetensors" \
  --embedding-weight-path "$out/embedding_rot.pt" \
  --text-file "$data/text/tinystories/tinystories_validation_first1000.txt" --ctx 256 --drop-line "<|endoftext|>"

echo "== generate with the compiled model (greedy)"
"$lathe" generate --mxq-path "$out/stories260K-w4v8.compiled.safetensors" --embedding-weight-path "$out/embedding_rot.pt" \
  --prompt "Once upon a time" --max-new-tokens 120 --greedy
echo
