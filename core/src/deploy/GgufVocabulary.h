#pragma once
// Private to core.

#include "lathe/common/Result.h"
#include "lathe/tokenize/Tokenizer.h"
#include "model/GgufWriter.h"
#include "model/ImportedModel.h"

#include <filesystem>
#include <map>
#include <string>

namespace lathe::deploy {

// What llama.cpp needs to tokenize as Lathe does: the vocabulary in GGUF's terms, whether BOS / EOS are added,
// and the chat templates.
struct GgufTokenizer {
    model::EmbeddedVocabulary vocabulary;
    bool addBos = false;
    bool addEos = false;
    std::map<std::string, std::string> chatTemplates;  // "" = the default template, else its name
};

// Whether `tokenizer` adds BOS at the start and EOS at the end when asked to add special tokens (found by encoding a
// short text with and without them). Errors: those of encode.
struct AddedSpecials {
    bool bos = false;
    bool eos = false;
};
Result<AddedSpecials> addedSpecials(const tokenize::Tokenizer& tokenizer);

// Reads the tokenizer files in `dir` (tokenizer.model, tokenizer.json, tokenizer_config.json,
// chat_template.jinja). A sentencepiece tokenizer.model becomes the "llama" vocabulary; a byte-level BPE
// tokenizer.json the "gpt2" one, with llama.cpp's pre-tokenizer name found from its split pattern. BOS / EOS
// follow Lathe's own tokenizer on the same files, so llama.cpp adds exactly the specials Lathe adds. The vocabulary
// is padded with unused "[PAD<i>]" tokens up to `vocabSize` (the embedding's rows). Errors: Unsupported (a
// tokenizer kind or pre-tokenizer llama.cpp has no name for, naming it), Corrupt (malformed files, more tokens
// than embedding rows), plus Tokenizer::load's errors.
Result<GgufTokenizer> readGgufTokenizer(const std::filesystem::path& dir, int vocabSize);

// Writes tokenizer.ggml.* and tokenizer.chat_template* metadata.
void writeTokenizerMetadata(model::GgufWriter& writer, const GgufTokenizer& tokenizer);

}  // namespace lathe::deploy
