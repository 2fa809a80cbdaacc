#pragma once
// Private to core: exposes libtorch types.

#include "lathe/model/ModelConfig.h"
#include "model/SafetensorsWriter.h"

#include <string>
#include <vector>

namespace lathe::model {

// The sentencepiece vocabulary a GGUF file carries (tokenizer.ggml.*), enough to rebuild tokenizer.model.
struct EmbeddedVocabulary {
    std::string model;  // tokenizer.ggml.model, "llama" for sentencepiece
    std::vector<std::string> tokens;
    std::vector<float> scores;
    std::vector<int32_t> types;  // sentencepiece piece types: 1 normal, 2 unknown, 3 control, 6 byte ...
    bool addSpacePrefix = true;
    int unkId = 0;
    int bosId = 1;
    int eosId = 2;
    int padId = -1;
};

// A model read from a foreign file, already in Hugging Face terms: config, float32 tensors with HF
// names in HF row order (Q/K permuted to rotate_half order).
struct ImportedModel {
    ModelConfig config;
    NamedTensors tensors;
    std::optional<EmbeddedVocabulary> vocabulary;
};

}  // namespace lathe::model
