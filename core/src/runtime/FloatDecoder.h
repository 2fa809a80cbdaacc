#pragma once
// Private to core: exposes libtorch types.

#include "lathe/model/ModelConfig.h"
#include "runtime/DecoderWeights.h"
#include "runtime/KvCache.h"
#include "runtime/Rope.h"

#include <ATen/ATen.h>

namespace lathe {

// The float reference forward pass of a Llama-family decoder (Llama, Llama 3 rope scaling, Mistral,
// Qwen2 biases), fp32 throughout, following transformers' modeling_llama numerics.
// Not thread-safe for concurrent calls that share a KvCache; distinct caches may run concurrently.
class FloatDecoder {
public:
    FloatDecoder(ModelConfig config, DecoderWeights weights);

    const ModelConfig& config() const { return m_config; }

    // ids [B, T] (int64) at positions 0..T-1 → logits [B, T, vocab], causal attention, no cache.
    at::Tensor forward(const at::Tensor& ids) const;

    // An empty cache for `batch` sequences of up to `capacity` positions.
    KvCache makeCache(int64_t batch, int64_t capacity) const;

    // Appends ids [B, T] at positions cache.length.. and returns their logits [B, T, vocab]. The caller
    // keeps cache.length + T <= cache.capacity (checked; throws std::invalid_argument otherwise).
    at::Tensor forward(const at::Tensor& ids, KvCache& cache) const;

private:
    at::Tensor run(const at::Tensor& ids, KvCache* cache) const;
    at::Tensor attention(const LayerWeights& layer, const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin,
                         const at::Tensor& future, KvCache* cache, size_t layerIndex, int64_t first) const;

    ModelConfig m_config;
    DecoderWeights m_weights;
    Rope m_rope;
};

// y = x * rsqrt(mean(x²) + eps) * weight, computed in fp32 as transformers' LlamaRMSNorm.
at::Tensor rmsNorm(const at::Tensor& x, const at::Tensor& weight, double eps);

}  // namespace lathe
