#pragma once
// Private to core.

#include "lathe/common/Result.h"
#include "model/ImportedModel.h"

#include <string>

namespace lathe::model {

// Reads a serialized sentencepiece ModelProto (tokenizer.model) field by field, so core needs no protobuf: every
// piece with its score and type, the model type and special ids of trainer_spec (unk 0, bos 1, eos 2, pad -1 when
// unset) and normalizer_spec's add_dummy_prefix. model is "llama". Errors: Corrupt naming `path` when the bytes are not
// a ModelProto with pieces.
Result<EmbeddedVocabulary> readSentencepieceModel(const std::string& bytes, const std::string& path);

}  // namespace lathe::model
