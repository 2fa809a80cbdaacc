// Runs @huggingface/tokenizers (an independent JavaScript implementation of Hugging Face tokenizers)
// for the tokenize peer tests and benchmark.
//
//   node peer.mjs encode <tokenizer.json> <tokenizer_config.json> <texts.json> <out.json>
//     texts.json: a JSON array of strings. Writes {"special": [[ids]...], "plain": [[ids]...],
//     "decoded": [text...]}: encode with and without special tokens, and decode of the plain ids with
//     special tokens skipped and no clean-up of spaces.
//   node peer.mjs bench <tokenizer.json> <tokenizer_config.json> <texts.json> <seconds>
//     Encodes the texts (no special tokens) in a loop for at least <seconds>, timing only the encode
//     calls, and prints {"tokens": n, "passes": p, "seconds": s, "tokens_per_second": r}.
import { readFileSync, writeFileSync, renameSync } from "node:fs";
import { Tokenizer } from "@huggingface/tokenizers";

const [command, tokenizerFile, configFile, textsFile, last] = process.argv.slice(2);
if (!command || !tokenizerFile || !configFile || !textsFile || !last) {
  console.error("usage: node peer.mjs encode|bench <tokenizer.json> <tokenizer_config.json> <texts.json> <out.json|seconds>");
  process.exit(2);
}
const tokenizer = new Tokenizer(JSON.parse(readFileSync(tokenizerFile, "utf8")), JSON.parse(readFileSync(configFile, "utf8")));
const texts = JSON.parse(readFileSync(textsFile, "utf8"));

if (command === "encode") {
  const special = [], plain = [], decoded = [];
  for (const text of texts) {
    special.push(tokenizer.encode(text, { add_special_tokens: true }).ids);
    const ids = tokenizer.encode(text, { add_special_tokens: false }).ids;
    plain.push(ids);
    decoded.push(ids.length === 0 ? "" : tokenizer.decode(ids, { skip_special_tokens: true, clean_up_tokenization_spaces: false }));
  }
  writeFileSync(last + ".part", JSON.stringify({ special, plain, decoded }));
  renameSync(last + ".part", last);
} else if (command === "bench") {
  const minSeconds = Number(last);
  let tokens = 0, passes = 0, elapsedNs = 0n;
  for (const text of texts) tokenizer.encode(text, { add_special_tokens: false });  // warm-up pass
  while (Number(elapsedNs) / 1e9 < minSeconds) {
    const start = process.hrtime.bigint();
    for (const text of texts) tokens += tokenizer.encode(text, { add_special_tokens: false }).ids.length;
    elapsedNs += process.hrtime.bigint() - start;
    ++passes;
  }
  const seconds = Number(elapsedNs) / 1e9;
  console.log(JSON.stringify({ tokens, passes, seconds, tokens_per_second: tokens / seconds }));
} else {
  console.error(`unknown command ${command}`);
  process.exit(2);
}
