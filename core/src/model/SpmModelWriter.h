#pragma once
// Private to core.

#include "lathe/common/Result.h"
#include "model/ImportedModel.h"

#include <string>

namespace lathe::model {

// Serialises a sentencepiece ModelProto (the tokenizer.model format) for a GGUF vocabulary, written
// field by field so core needs no protobuf: pieces (piece=1, score=2, type=3), trainer_spec (model
// type, vocab size, byte_fallback, special ids and pieces) and normalizer_spec laid out like the
// ones sentencepiece's trainer writes for Llama-style BPE models ("identity" normalization, dummy
// prefix, whitespace escaping). Errors: Unsupported for a vocabulary that is not sentencepiece-style.
Result<std::string> synthesizeSentencepieceModel(const EmbeddedVocabulary& vocabulary);

// Number of pieces in a serialized ModelProto. Errors: Corrupt when the bytes are not one.
Result<int> countSentencepiecePieces(const std::string& bytes, const std::string& path);

}  // namespace lathe::model
