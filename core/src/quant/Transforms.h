#pragma once
// Private to core: exposes libtorch types.

#include "lathe/common/Result.h"
#include "lathe/model/ModelConfig.h"
#include "quant/Rotation.h"

#include <ATen/ATen.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace lathe::quant {

// Hugging Face tensor name → tensor (linear weights [out, in]). A tied model has no "lm_head.weight".
using WeightMap = std::map<std::string, at::Tensor>;

// Function-preserving transforms of a float Llama-family decoder (docs/quantization-math.md, "Equivalent
// transforms"). Each is computed in fp64 and cast back to the tensor's own dtype; the float model's logits
// are unchanged up to that rounding. Errors: NotFound (a tensor the config needs is missing),
// InvalidArgument (wrong shape or order, named).

// Copies embed_tokens into lm_head.weight and clears config.tieWordEmbeddings; nothing when already untied.
Result<void> untieLmHead(model::ModelConfig& config, WeightMap& weights);

// Folds every RMSNorm weight into the input columns of the linears that read it (input_layernorm → q,k,v;
// post_attention_layernorm → gate,up; model.norm → lm_head) and sets the norm weights to 1. Unties a tied
// lm_head first, because the folded head no longer equals the embedding.
Result<void> fuseNorms(model::ModelConfig& config, WeightMap& weights);

// The residual rotation R1 (hidden × hidden, orthogonal): E ← E·R1; readers q,k,v,gate,up,lm_head W ← W·R1;
// writers o_proj, down_proj W ← R1ᵀ·W (and their biases). RMSNorm commutes with R1 only without a scale, so
// every norm weight must already be exactly 1 (fuseNorms); InvalidArgument otherwise.
Result<void> rotateResidual(const model::ModelConfig& config, WeightMap& weights, const Rotation& r1);

// The value rotation R2 for one layer (head_dim × head_dim, orthogonal): W_v[h] ← R2ᵀ·W_v[h] (and b_v[h]) for
// every kv head h, and W_o[:, q] ← W_o[:, q]·R2 for every query head q (each reads kv head q / (heads / kv)).
Result<void> rotateValues(const model::ModelConfig& config, WeightMap& weights, int layer, const at::Tensor& r2);

// Per-layer pieces of the whole-model transforms above, for callers that hold one layer at a time (the compiler
// streams the checkpoint); `weights` needs to hold only the tensors each piece names. Applied to every layer, the
// embedding and the head, they give bit for bit what the whole-model functions give.
// fuseNorms for layer `layer`: input_layernorm → q,k,v; post_attention_layernorm → gate,up.
Result<void> fuseLayerNorms(const model::ModelConfig& config, WeightMap& weights, int layer);
// fuseNorms for the head: model.norm → lm_head.weight. The config must be untied (InvalidArgument otherwise).
Result<void> fuseFinalNorm(const model::ModelConfig& config, WeightMap& weights);
// rotateResidual for one layer (q,k,v,gate,up W ← W·R1; o,down W ← R1ᵀ·W), for the embedding (E ← E·R1) and for
// the head (lm_head W ← W·R1; nothing when tied, the embedding carries it). Each checks the norms it reads are 1.
Result<void> rotateLayerResidual(const model::ModelConfig& config, WeightMap& weights, int layer, const Rotation& r1);
Result<void> rotateEmbeddingResidual(const model::ModelConfig& config, WeightMap& weights, const Rotation& r1);
Result<void> rotateHeadResidual(const model::ModelConfig& config, WeightMap& weights, const Rotation& r1);

struct TransformOptions {
    bool fuseNorms = true;
    bool rotateResidual = true;  // needs fuseNorms (or norms already 1)
    bool rotateValues = true;
    std::uint64_t seed = 0;  // R1 = randomHadamard(hidden, seed); layer i's R2 = randomHadamard(head_dim, seed + 1 + i)
};

// The rotations that were applied (fp64); undefined / empty for the ones that were not.
struct Rotations {
    at::Tensor r1;
    std::vector<at::Tensor> r2;  // one per layer
};

// Applies the selected transforms in order: fuse norms (untying the head), R1, R2 per layer.
Result<Rotations> applyEquivalentTransforms(model::ModelConfig& config, WeightMap& weights,
                                            const TransformOptions& options);

// Layer `layer`'s share of applyEquivalentTransforms with the same options and seeds: fuse its norms, rotate it by
// `r1` (when options.rotateResidual), rotate its values by randomHadamard(head_dim, seed + 1 + layer) (when
// options.rotateValues). `config` is the model's own (the head's tying does not matter here).
Result<void> transformLayer(const model::ModelConfig& config, WeightMap& weights, int layer,
                            const TransformOptions& options, const Rotation& r1);

}  // namespace lathe::quant
