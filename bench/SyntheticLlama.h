#pragma once
// A Hugging Face model directory with the exact shapes of a Llama-3 model (3.2-1B by default, 3.2-3B, 3.1-8B) and
// seeded random weights, plus
// calibration samples made of its own embedding rows: a stand-in that costs the compiler exactly what the real
// model costs, without downloading gated weights.

#include "lathe/common/Result.h"

#include <cstdint>
#include <filesystem>
#include <string>

namespace lathe::bench {

struct SyntheticLlamaSpec {
    // Llama-3.2-1B (meta-llama/Llama-3.2-1B config.json); llamaShape() gives the others.
    std::string shape = "1b";  // llamaShape()'s key
    std::string name = "Llama-3.2-1B";
    int layers = 16;
    int64_t hidden = 2048;
    int64_t intermediate = 8192;
    int64_t heads = 32;
    int64_t kvHeads = 8;
    int64_t headDim = 64;
    int64_t vocab = 128256;
    bool tiedHead = true;    // false: an lm_head.weight of its own (Llama-3.1-8B)
    double ropeFactor = 32;  // rope_scaling.factor: 32 for Llama-3.2, 8 for Llama-3.1

    // Weights are N(0, linearStd) for linears and the embedding (the checkpoint's initializer_range), and
    // 1 + N(0, normStd) for RMSNorm gains, so activations keep a realistic scale through every layer.
    double linearStd = 0.02;
    double normStd = 0.05;
    uint64_t seed = 1234;

    int samples = 8;
    int64_t sampleTokens = 512;
    // The tokenizer's special ids (Llama-3's by default), written to config.json; every sample starts with BOS.
    int64_t bosId = 128000;
    int64_t eosId = 128001;

    // A tokenizer.json (+ tokenizer_config.json beside it) copied into the model directory; empty: none.
    std::filesystem::path tokenizerDir;
};

struct SyntheticLlamaFiles {
    std::filesystem::path modelDir;  // config.json, model.safetensors, tokenizer files
    std::filesystem::path calibDir;  // inputs_embeds_<i>.npy, float32 [1, sampleTokens, hidden]
    uint64_t weightBytes = 0;        // size of model.safetensors
    int64_t parameters = 0;          // stored parameters (the tied head is not stored)
};

// Writes `<root>/model` and `<root>/calib`. The safetensors file is written tensor by tensor in chunks of a few
// million values, so memory stays far below the model size whatever the shapes. Calibration samples are the
// stored (bf16-rounded) embedding rows of seeded random token ids, so they are exactly what an embedding lookup
// on this model returns. Errors: Io naming the file (disk full, permissions), NotFound for a missing tokenizer.
Result<SyntheticLlamaFiles> writeSyntheticLlama(const std::filesystem::path& root, const SyntheticLlamaSpec& spec);

// Llama-3.1's tokenizer (Llama-3.2's, 128,256 ids, so generated ids decode) when tests/tokenize/peers holds it
// (its install.sh fetches it); otherwise Mistral's from the shared data (32,000 ids), with its BOS / EOS ids.
void chooseTokenizer(SyntheticLlamaSpec& spec, const std::filesystem::path& sourceDir,
                     const std::filesystem::path& sharedData);

// The shapes of "1b" (Llama-3.2-1B), "3b" (Llama-3.2-3B) or "8b" (Llama-3.1-8B), from their config.json files, also
// spelled "llama3-1b" and so on; InvalidArgument for another name.
Result<SyntheticLlamaSpec> llamaShape(const std::string& shape);

// The config.json text for `spec` (Llama-3's, with the spec's shapes, head tying and token ids).
std::string syntheticLlamaConfigJson(const SyntheticLlamaSpec& spec);

}  // namespace lathe::bench
