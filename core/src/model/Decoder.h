#pragma once
// Private to core: exposes libtorch types.

#include "lathe/model/ModelConfig.h"
#include "model/DecoderWeights.h"
#include "model/KvCache.h"
#include "model/Projections.h"
#include "model/Rope.h"

#include <ATen/ATen.h>

#include <memory>

namespace lathe::model {

// Rope tables and causal mask for `count` new positions starting at `first`, shared by every layer of one pass.
struct PositionContext {
    at::Tensor cos, sin;  // [count, headDim]
    at::Tensor future;    // additive mask [groups*count, first+count] (0 / -inf); undefined for a single token
    at::Tensor window;    // the same for sliding layers, also masking keys `slidingWindow` or more positions back;
                          // undefined when no key is out of the window (or the model has no sliding layers)
    int64_t first = 0;
    int64_t count = 0;
};

PositionContext makePositionContext(const ModelConfig& config, const Rope& rope, int64_t first, int64_t count);

// Sub-layer inputs and outputs: the one place that says where a family's norms sit. Pre-norm families normalise
// what enters the attention (inputNorm) and the MLP (postAttentionNorm) and add the outputs as they are; EXAONE 4
// takes the residual stream as it is and normalises what the attention (postAttentionNorm) and the MLP
// (postFeedforwardNorm) give back.
at::Tensor attentionInput(const ModelConfig& config, const LayerWeights& norms, const at::Tensor& h);
at::Tensor attentionOutput(const ModelConfig& config, const LayerWeights& norms, const at::Tensor& y);
at::Tensor mlpInput(const ModelConfig& config, const LayerWeights& norms, const at::Tensor& x);
at::Tensor mlpOutput(const ModelConfig& config, const LayerWeights& norms, const at::Tensor& y);

// One decoder layer (attention + SwiGLU MLP, each with its residual) on hidden states h [B, T, hidden], following
// transformers' modeling_llama numerics, modeling_qwen3's per-head q/k norms and modeling_exaone4's post-norms and
// hybrid attention; linears go through `project`, norms come from `norms` (its linear tensors are not read).
// `layerIndex` picks the layer's attention kind (sliding or global) and, with a cache, its keys/values, appended
// at positions ctx.first.. (the caller advances cache.length once per pass).
at::Tensor decoderLayer(const ModelConfig& config, const LayerWeights& norms, const ProjectionFn& project,
                        const at::Tensor& h, const PositionContext& ctx, size_t layerIndex, KvCache* cache = nullptr);

// The two halves of decoderLayer (which is mlpResidual(attentionResidual(h))), so that a caller calibrating one
// sub-layer at a time can stop after the attention: h + out(attention(in(h))) and x + out(mlp(in(x))).
at::Tensor attentionResidual(const ModelConfig& config, const LayerWeights& norms, const ProjectionFn& project,
                             const at::Tensor& h, const PositionContext& ctx, size_t layerIndex,
                             KvCache* cache = nullptr);
at::Tensor mlpResidual(const ModelConfig& config, const LayerWeights& norms, const ProjectionFn& project,
                       const at::Tensor& x);

// The forward pass of a Llama-family decoder (Llama, Llama 3 rope scaling, Mistral, Qwen2 biases, Qwen3 q/k norms,
// EXAONE 3.x, EXAONE 4 post-norms and hybrid attention). Norms,
// attention and softmax run in fp32; the linears run as `Projections` say: fp32 weights for the float
// reference, integer arithmetic for a compiled model.
// Not thread-safe for concurrent calls that share a KvCache; distinct caches may run concurrently.
class Decoder {
public:
    // The float reference: every linear from `weights`.
    Decoder(ModelConfig config, DecoderWeights weights);
    // Embedding and norms from `weights` (its linear tensors may be undefined), linears from `projections`.
    Decoder(ModelConfig config, DecoderWeights weights, std::shared_ptr<const Projections> projections);

    const ModelConfig& config() const { return m_config; }
    const DecoderWeights& weights() const { return m_weights; }

    // ids [B, T] (int64) at positions 0..T-1 → logits [B, T, vocab], causal attention, no cache.
    at::Tensor forward(const at::Tensor& ids) const;

    // An empty cache for `batch` sequences of up to `capacity` positions.
    KvCache makeCache(int64_t batch, int64_t capacity) const;

    // Appends ids [B, T] at positions cache.length.. and returns their logits [B, T, vocab]. The caller
    // keeps cache.length + T <= cache.capacity (checked; throws std::invalid_argument otherwise).
    at::Tensor forward(const at::Tensor& ids, KvCache& cache) const;

private:
    at::Tensor run(const at::Tensor& ids, KvCache* cache) const;

    ModelConfig m_config;
    DecoderWeights m_weights;
    std::shared_ptr<const Projections> m_projections;
    Rope m_rope;
};

// y = x * rsqrt(mean(x²) + eps) * weight, computed in fp32 as transformers' LlamaRMSNorm.
at::Tensor rmsNorm(const at::Tensor& x, const at::Tensor& weight, double eps);

}  // namespace lathe::model
