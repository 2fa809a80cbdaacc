#pragma once
// Private to core: exposes libtorch types.

#include "lathe/model/ModelConfig.h"
#include "model/SafetensorsWriter.h"

#include <string>
#include <vector>

namespace lathe::model {

// The vocabulary a GGUF file carries (tokenizer.ggml.*): read from one to rebuild tokenizer.model, and written to
// one by the GGUF export. "llama" is sentencepiece (tokens, scores, types); "gpt2" is byte-level BPE (tokens,
// types, merges and llama.cpp's pre-tokenizer name).
struct EmbeddedVocabulary {
    std::string model;  // tokenizer.ggml.model: "llama" for sentencepiece, "gpt2" for byte-level BPE
    std::vector<std::string> tokens;
    std::vector<float> scores;
    std::vector<int32_t> types;  // sentencepiece piece types: 1 normal, 2 unknown, 3 control, 4 user, 5 unused, 6 byte
    std::vector<std::string> merges;  // gpt2: "left right", highest priority first
    std::string pre;                  // gpt2: llama.cpp's pre-tokenizer name ("llama-bpe", "qwen2", ...)
    bool addSpacePrefix = true;
    int spmModelType = 1;  // sentencepiece trainer_spec.model_type: 1 unigram (its default), 2 BPE
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
