#pragma once
// Private to core.

#include "lathe/model/ModelConfig.h"

#include <cstdint>
#include <string>
#include <vector>

namespace lathe::model {

struct ExpectedTensor {
    std::string name;  // Hugging Face name
    std::vector<int64_t> shape;
};

// Every tensor a decoder of this configuration needs, with the shapes the configuration implies, in
// checkpoint order: embeddings, layers 0..N-1, final norm, lm_head (absent when tied).
std::vector<ExpectedTensor> expectedTensors(const ModelConfig& config);

// The per-layer suffixes (after "model.layers.<i>.") in the order expectedTensors lists them.
std::vector<ExpectedTensor> expectedLayerTensors(const ModelConfig& config);

// The name a family's checkpoint gives the tensor Lathe calls `name` (its Llama-style Hugging Face name). Only
// EXAONE 3.x differs ("transformer.h.<i>.attn.attention.q_proj.weight", ...); Checkpoint translates on open, so
// every other module sees Llama names.
std::string checkpointTensorName(const ModelConfig& config, const std::string& name);

// The per-layer norm weights among expectedLayerTensors (every layer tensor that is not a linear's weight or
// bias): what a compiled model keeps in float beside its quantized linears.
std::vector<ExpectedTensor> layerNormTensors(const ModelConfig& config);

std::string shapeToString(const std::vector<int64_t>& shape);  // "[4096, 4096]"

}  // namespace lathe::model
