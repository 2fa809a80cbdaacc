#pragma once
// Private to core: exposes libtorch types.

#include "lathe/common/Progress.h"
#include "lathe/common/Result.h"
#include "lathe/model/ModelConfig.h"

#include <ATen/ATen.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace lathe::model {

class Checkpoint;

// One decoder layer's fp32 weights, in Hugging Face layout (linear weights are [out, in]).
// Norm roles differ by family: postAttentionNorm is the MLP's input norm in pre-norm families and the attention
// output's norm in EXAONE 4, which has no inputNorm and adds postFeedforwardNorm (model/Decoder.h, "sub-layer
// inputs and outputs", is the one place that applies them).
struct LayerWeights {
    at::Tensor inputNorm, postAttentionNorm;
    at::Tensor postFeedforwardNorm;  // undefined unless config.postNorm
    at::Tensor qProj, kProj, vProj, oProj;
    at::Tensor qBias, kBias, vBias;  // undefined unless config.attentionBias
    at::Tensor qNorm, kNorm;         // [head_dim]; undefined unless config.qkNorm
    at::Tensor gateProj, upProj, downProj;
};

// The member of `layer` that holds the tensor named `suffix` ("self_attn.q_proj.weight", as
// expectedLayerTensors lists them); nullptr for a name that is not a layer tensor.
at::Tensor* layerTensor(LayerWeights& layer, const std::string& suffix);

struct DecoderWeights {
    at::Tensor embedTokens;  // [vocab, hidden]
    std::vector<LayerWeights> layers;
    at::Tensor finalNorm;
    at::Tensor lmHead;  // [vocab, hidden]; shares storage with embedTokens when tied
};

// Fetches one tensor by its Hugging Face name as fp32; NotFound when absent.
using TensorSource = std::function<Result<at::Tensor>(const std::string& name)>;

// Loads every tensor the config needs, one layer at a time, checking each shape against the config.
// Errors: NotFound (missing tensor), Corrupt (wrong shape, naming tensor and both shapes), Cancelled.
Result<DecoderWeights> loadDecoderWeights(const ModelConfig& config, const TensorSource& source,
                                          const ProgressFn& progress = {}, const StopToken& stop = {});

// Sources over a checkpoint directory and over an in-memory name → tensor map.
TensorSource checkpointSource(const Checkpoint& checkpoint);
TensorSource mapSource(const std::map<std::string, at::Tensor>& tensors);

}  // namespace lathe::model
