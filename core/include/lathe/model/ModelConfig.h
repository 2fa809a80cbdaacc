#pragma once

#include "lathe/common/Result.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace lathe::model {

// Llama-3.x "rope_scaling": {"rope_type": "llama3", ...}. Other types are rejected as Unsupported.
struct RopeScaling {
    std::string type;  // "llama3"
    double factor = 1.0;
    double lowFreqFactor = 1.0;
    double highFreqFactor = 4.0;
    int originalMaxPositionEmbeddings = 8192;
};

// The decoder description read from a Hugging Face config.json (Llama, Mistral, Qwen2, Qwen3, EXAONE 3.x and 4.0).
struct ModelConfig {
    std::string architecture;  // "LlamaForCausalLM", "MistralForCausalLM", "Qwen2ForCausalLM", ...
    std::string modelType;     // "llama", "mistral", "qwen2", "qwen3", "exaone", "exaone4"
    int hiddenSize = 0;
    int intermediateSize = 0;
    int numLayers = 0;
    int numHeads = 0;
    int numKvHeads = 0;
    int headDim = 0;  // config "head_dim", else hidden / heads
    int vocabSize = 0;
    int maxPositionEmbeddings = 0;
    double rmsNormEps = 1e-6;
    double ropeTheta = 10000.0;
    std::optional<RopeScaling> ropeScaling;
    bool tieWordEmbeddings = false;
    bool attentionBias = false;  // q/k/v biases (Qwen2 always; Llama when "attention_bias": true)
    bool qkNorm = false;         // RMSNorm over each head of q and k before RoPE (Qwen3, EXAONE 4)
    // EXAONE 4 ("QK-Reorder-Norm"): RMSNorm on the attention and MLP outputs before each residual add, none on
    // their inputs; tensors post_attention_layernorm (attention output) and post_feedforward_layernorm.
    bool postNorm = false;
    // Hybrid attention (EXAONE 4): layers marked sliding see only the last `slidingWindow` positions and use RoPE;
    // the others attend globally without RoPE (as modeling_exaone4 decides it: RoPE where the config has no window
    // or the layer slides). Empty / 0 for a model without a sliding window: every layer global, every layer with
    // RoPE.
    int slidingWindow = 0;
    std::vector<bool> slidingLayers;
    std::optional<int> bosTokenId;
    std::vector<int> eosTokenIds;  // config "eos_token_id" may be one id or a list
    std::string torchDtype;        // as declared, informational
};

// Whether `layer` attends through a sliding window, and whether it applies RoPE (all layers of a model without a
// sliding window; only its sliding layers otherwise: EXAONE 4's global layers use no position embedding).
bool isSlidingLayer(const ModelConfig& config, int layer);
bool layerUsesRope(const ModelConfig& config, int layer);

// Reads and validates `<dir>/config.json` (or the file itself when given a file path).
// Errors: NotFound (no file), Corrupt (malformed JSON, missing/invalid field, naming the field),
// Unsupported (architecture or rope scaling type Lathe does not run, naming it and what is supported).
Result<ModelConfig> loadModelConfig(const std::string& path);

// The `architectures` names loadModelConfig accepts, so a UI can flag other models before downloading them.
std::vector<std::string> supportedArchitectures();

// Parses config.json text held in memory (e.g. a compiled model's metadata); `source` names it in errors.
// Errors as loadModelConfig, except NotFound.
Result<ModelConfig> parseModelConfig(const std::string& jsonText, const std::string& source);

// The largest value config.json may give each size field ("num_hidden_layers" → 1024, ...); a larger one is refused
// as Corrupt before anything is allocated for it.
const std::map<std::string, int>& configLimits();

// Serialises a config as a Hugging Face config.json (used by import).
std::string modelConfigToJson(const ModelConfig& config);

}  // namespace lathe::model
