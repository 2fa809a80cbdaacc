#!/usr/bin/env bash
# Measures compiled-model quality on the bundled stories260K model: for each bit mode (w8, w4, w4v8) and each
# method (RTN, GPTQ, GPTQ + rotation), compile with calibration samples from TinyStories *train* text and compare
# float vs compiled perplexity on TinyStories *validation* (ctx 256 = BOS + 255, separator lines dropped) and on
# WikiText-2 wiki.test.raw. Prints a Markdown table. Needs a built tree (scripts/build.sh).
# Weights per output channel; then the 4-bit modes again with each group size of QUALITY_GROUP_SIZES (default 32,
# rows "w4v8 g32"; the last group of a 172-wide down_proj holds 12 columns). QUALITY_GROUP_SIZES= skips them.
#   usage: [QUALITY_GROUP_SIZES="32 64"] scripts/quality-table.sh [build dir] [work dir]
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build}"
work="${2:-$build/quality}"
data="${LATHE_SHARED_DATA:-$(cd .. && pwd)/shared/data}"
group_sizes="${QUALITY_GROUP_SIZES-32}"
lathe="$build/app/lathe"
mkdir -p "$work"

model="$work/stories260K"
if [ ! -f "$model/config.json" ]; then
  "$lathe" import --from "$data/models/stories260K/stories260K.gguf" \
    --tokenizer "$data/models/stories260K/tok512.model" --out "$model" --force >/dev/null
fi

# One story per JSON line (the train text separates stories with "<|endoftext|>" lines), so samples never
# contain a separator the evaluation drops.
corpus="$work/tinystories-train.jsonl"
if [ ! -f "$corpus" ]; then
  /usr/bin/python3 - "$data/text/tinystories/TinyStories-train_head2MiB.txt" "$corpus" <<'PY'
import json, sys
text = open(sys.argv[1], encoding="utf-8").read()
with open(sys.argv[2], "w", encoding="utf-8") as out:
    for story in text.split("<|endoftext|>"):
        story = story.strip()
        if story:
            out.write(json.dumps({"text": story}) + "\n")
PY
fi

"$lathe" download-model --repo_id "$model" --embedding "$work/embedding.pt" >/dev/null
calib="$work/calib"
if [ ! -d "$calib/datas" ]; then
  "$lathe" generate-calib --model_tag stories260K --embedding_path "$work/embedding.pt" --tokenizer_path "$model" \
    --text_file "$corpus" --languages en --min_seqlen 128 --max_seqlen 256 --max_calib 128 \
    --output_dir "$calib" >/dev/null
fi
samples="$calib/datas/stories260K/en"

stories="$data/text/tinystories/tinystories_validation_first1000.txt"
wiki="$data/text/wikitext-2-raw/wiki.test.raw"

# ppl of one compiled model on one text: prints "float compiled ratio top1".
compare() {
  local compiled="$1" embedding="$2" text="$3"; shift 3
  "$lathe" eval --compare --model_path "$model" --mxq-path "$compiled" --embedding-weight-path "$embedding" \
    --text-file "$text" --ctx 256 "$@" --json |
    /usr/bin/python3 -c 'import json,sys; r=json.load(sys.stdin); print(r["float"]["perplexity"], r["compiled"]["perplexity"], r["perplexity_ratio"], r["top1_agreement"])'
}

# One table row: compile `bits` with `method` and group size `group` (0 = per channel), evaluate both texts.
row() {
  local bits="$1" method="$2" group="$3" label="$1" out="$work/$1-$2"
  if [ "$group" != 0 ]; then label="$bits g$group"; out="$work/$bits-g$group-$method"; fi
  mkdir -p "$out"
  local args=(--weight-method gptq --rotation off)
  [ "$method" = rtn ] && args=(--weight-method rtn --rotation off)
  [ "$method" = gptq+rot ] && args=(--weight-method gptq --rotation on)
  "$lathe" compile --model_path "$model" --calib_data_path "$samples" --save_path "$out/model.compiled.safetensors" \
    --bit "$bits" --group-size "$group" --output-dir "$out" "${args[@]}" >/dev/null 2>"$out/compile.log"
  local embedding="$work/embedding.pt"
  [ "$method" = gptq+rot ] && embedding="$(ls "$out"/embedding_rotated.pt)"
  local sppl sratio stop wppl wratio wtop kl
  read -r _ sppl sratio stop <<<"$(compare "$out/model.compiled.safetensors" "$embedding" "$stories" --drop-line "<|endoftext|>")"
  read -r _ wppl wratio wtop <<<"$(compare "$out/model.compiled.safetensors" "$embedding" "$wiki")"
  kl=$(/usr/bin/python3 -c 'import json,sys; print("%.5f" % json.load(open(sys.argv[1]))["final_kl_divergence"])' \
    "$out/model.compiled.safetensors.report.json")
  printf '| %s | %s | %.4f | %.4f | %.3f | %.2f | %.4f | %.3f | %s |\n' "$label" "$method" "$sppl" "$sratio" "$stop" \
    "$wppl" "$wratio" "$wtop" "$kl"
}

printf '| bits | method | stories ppl | ×float | top-1 | wiki ppl | ×float | top-1 | final KL |\n'
printf '|---|---|---|---|---|---|---|---|---|\n'
for bits in w8 w4v8 w4; do
  for method in rtn gptq gptq+rot; do row "$bits" "$method" 0; done
done
for group in $group_sizes; do
  for bits in w4v8 w4; do
    for method in rtn gptq gptq+rot; do row "$bits" "$method" "$group"; done
  done
done
read -r fs _ <<<"$(compare "$work/w8-rtn/model.compiled.safetensors" "$work/embedding.pt" "$stories" --drop-line "<|endoftext|>")"
read -r fw _ <<<"$(compare "$work/w8-rtn/model.compiled.safetensors" "$work/embedding.pt" "$wiki")"
printf '\nfloat: stories %.4f, wiki %.2f (ctx 256)\n' "$fs" "$fw"
