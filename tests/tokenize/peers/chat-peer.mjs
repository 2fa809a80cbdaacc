// Renders chat templates with @huggingface/jinja (the engine transformers.js uses for apply_chat_template) for
// the chat-template peer test.
//
//   node chat-peer.mjs <cases.json> <out.json>
//     cases.json: a list of {"template": <file holding the Jinja source>, "config": <tokenizer_config.json or "">,
//     "conversation": <a JSON file: a list of messages, or an object with "messages" and more variables>,
//     "add_generation_prompt": bool, "enable_thinking": bool (optional)}.
//     Writes a list of {"text": <rendered>} or {"error": <message>}, one per case, in order.
// The variables are built as transformers' apply_chat_template builds them: tools and documents (none unless
// given), the tokenizer's special tokens (a string, or an AddedToken object's content), then the conversation's own
// variables, then the flags.
import { readFileSync, writeFileSync, renameSync } from "node:fs";
import { Template } from "@huggingface/jinja";

const [casesFile, outFile] = process.argv.slice(2);
if (!casesFile || !outFile) {
  console.error("usage: node chat-peer.mjs <cases.json> <out.json>");
  process.exit(2);
}

const SPECIAL_TOKENS = ["bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"];

function specialTokens(configFile) {
  if (!configFile) return {};
  const config = JSON.parse(readFileSync(configFile, "utf8"));
  const tokens = {};
  const text = (v) => (typeof v === "string" ? v : v && typeof v.content === "string" ? v.content : null);
  for (const key of SPECIAL_TOKENS) {
    const t = text(config[key]);
    if (t !== null) tokens[key] = t;
  }
  if (Array.isArray(config.additional_special_tokens))
    tokens.additional_special_tokens = config.additional_special_tokens.map(text).filter((t) => t !== null);
  return tokens;
}

const results = [];
for (const c of JSON.parse(readFileSync(casesFile, "utf8"))) {
  const parsed = JSON.parse(readFileSync(c.conversation, "utf8"));
  const conversation = Array.isArray(parsed) ? { messages: parsed } : parsed;
  const context = { tools: null, documents: null, ...specialTokens(c.config), ...conversation,
                    add_generation_prompt: c.add_generation_prompt };
  if (typeof c.enable_thinking === "boolean") context.enable_thinking = c.enable_thinking;
  try {
    results.push({ text: new Template(readFileSync(c.template, "utf8")).render(context) });
  } catch (e) {
    results.push({ error: String(e && e.message ? e.message : e) });
  }
}
writeFileSync(outFile + ".part", JSON.stringify(results));
renameSync(outFile + ".part", outFile);
