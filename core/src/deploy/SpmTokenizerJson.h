#pragma once
// Private to core.

#include "lathe/common/Result.h"
#include "model/ImportedModel.h"

#include <string>

namespace lathe::deploy {

// A Hugging Face tokenizer.json for a sentencepiece BPE vocabulary (tokenizer.model), as transformers'
// LlamaConverter (legacy mode) writes it, so that runtimes that read only tokenizer.json (transformers.js) tokenize
// as sentencepiece does: the vocabulary in id order, merges made by SentencePieceExtractor's rule (every split of a
// piece into two pieces, ranked by the merged piece's score), byte fallback, the "▁" normalizer and decoder, and a
// post-processor adding BOS / EOS as `addBos` / `addEos` say. Errors: Unsupported for a unigram (or other non-BPE)
// model, which a BPE tokenizer.json cannot reproduce, naming `source`.
Result<std::string> sentencepieceTokenizerJson(const model::EmbeddedVocabulary& vocabulary, int spmModelType,
                                               bool addBos, bool addEos, const std::string& source);

}  // namespace lathe::deploy
