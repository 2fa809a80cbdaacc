#include "runtime/FloatDecoder.h"

#include <cmath>
#include <limits>
#include <stdexcept>

namespace lathe {

at::Tensor rmsNorm(const at::Tensor& x, const at::Tensor& weight, double eps)
{
    auto xf = x.to(at::kFloat);
    auto variance = xf.pow(2).mean(-1, /*keepdim=*/true);
    return xf.mul(at::rsqrt(variance.add_(eps))).mul_(weight);
}

FloatDecoder::FloatDecoder(ModelConfig config, DecoderWeights weights)
    : m_config(std::move(config)), m_weights(std::move(weights)), m_rope(m_config)
{
}

at::Tensor FloatDecoder::forward(const at::Tensor& ids) const { return run(ids, nullptr); }

at::Tensor FloatDecoder::forward(const at::Tensor& ids, KvCache& cache) const
{
    if (ids.dim() != 2 || ids.size(0) != cache.keys.front().size(0))
        throw std::invalid_argument("token batch does not match the cache batch");
    if (cache.length + ids.size(1) > cache.capacity)
        throw std::invalid_argument("KV cache is full: " + std::to_string(cache.length) + " + " +
                                    std::to_string(ids.size(1)) + " positions exceed its capacity of " +
                                    std::to_string(cache.capacity));
    auto logits = run(ids, &cache);
    cache.length += ids.size(1);
    return logits;
}

KvCache FloatDecoder::makeCache(int64_t batch, int64_t capacity) const
{
    KvCache cache;
    cache.capacity = capacity;
    for (int i = 0; i < m_config.numLayers; ++i) {
        cache.keys.push_back(at::zeros({batch, m_config.numKvHeads, capacity, m_config.headDim}, at::kFloat));
        cache.values.push_back(at::zeros({batch, m_config.numKvHeads, capacity, m_config.headDim}, at::kFloat));
    }
    return cache;
}

at::Tensor FloatDecoder::run(const at::Tensor& ids, KvCache* cache) const
{
    if (ids.dim() != 2) throw std::invalid_argument("token ids must be [batch, tokens]");
    const int64_t first = cache ? cache->length : 0;
    const int64_t count = ids.size(1);
    auto [cos, sin] = m_rope.tables(first, count);
    // Additive mask, 0 or -inf, for keys after each query's own position; rows are grouped query heads x
    // tokens (see attention()). A single new token sees every cached key and needs none.
    const int64_t keyCount = first + count;
    at::Tensor future;
    if (count > 1) {
        auto queryPos = at::arange(first, first + count, at::kLong).view({count, 1});
        auto keyPos = at::arange(0, keyCount, at::kLong).view({1, keyCount});
        future = at::zeros({count, keyCount}, at::kFloat)
                     .masked_fill_(keyPos.gt(queryPos), -std::numeric_limits<float>::infinity())
                     .repeat({m_config.numHeads / m_config.numKvHeads, 1});
    }

    at::Tensor h = at::embedding(m_weights.embedTokens, ids.to(at::kLong));  // [B, T, hidden]
    for (size_t i = 0; i < m_weights.layers.size(); ++i) {
        const LayerWeights& l = m_weights.layers[i];
        auto normed = rmsNorm(h, l.inputNorm, m_config.rmsNormEps);
        h = h + attention(l, normed, cos, sin, future, cache, i, first);
        normed = rmsNorm(h, l.postAttentionNorm, m_config.rmsNormEps);
        auto gate = at::linear(normed, l.gateProj);
        auto up = at::linear(normed, l.upProj);
        h = h + at::linear(at::silu(gate).mul_(up), l.downProj);
    }
    h = rmsNorm(h, m_weights.finalNorm, m_config.rmsNormEps);
    return at::linear(h, m_weights.lmHead);
}

at::Tensor FloatDecoder::attention(const LayerWeights& l, const at::Tensor& x, const at::Tensor& cos,
                                   const at::Tensor& sin, const at::Tensor& future, KvCache* cache, size_t layerIndex,
                                   int64_t first) const
{
    const int64_t batch = x.size(0), count = x.size(1);
    const int64_t heads = m_config.numHeads, kvHeads = m_config.numKvHeads, dim = m_config.headDim;
    const int64_t groups = heads / kvHeads;

    // [B, T, H*D] → [B, H, T, D], made contiguous once so later views are free.
    auto q = at::linear(x, l.qProj, l.qBias).view({batch, count, heads, dim}).transpose(1, 2).contiguous();
    auto k = at::linear(x, l.kProj, l.kBias).view({batch, count, kvHeads, dim}).transpose(1, 2).contiguous();
    auto v = at::linear(x, l.vProj, l.vBias).view({batch, count, kvHeads, dim}).transpose(1, 2);
    Rope::apply(q, cos, sin);
    Rope::apply(k, cos, sin);

    int64_t keyCount = count;
    if (cache) {
        cache->keys[layerIndex].narrow(2, first, count).copy_(k);
        cache->values[layerIndex].narrow(2, first, count).copy_(v);
        keyCount = first + count;
        k = cache->keys[layerIndex].narrow(2, 0, keyCount);
        v = cache->values[layerIndex].narrow(2, 0, keyCount);
    }

    // Query heads h*groups .. h*groups+groups-1 share kv head h (transformers' repeat_kv), so the group
    // folds into the row dimension and one matmul per kv head serves all of them without copying K/V.
    // The score matrix is the largest tensor here (groups*T x S per kv head); scale and mask are fused
    // into its GEMM so it is written once before the softmax.
    const double scale = 1.0 / std::sqrt(static_cast<double>(dim));
    auto qg = q.view({batch * kvHeads, groups * count, dim});
    auto kt = k.reshape({batch * kvHeads, keyCount, dim}).transpose(1, 2);
    at::Tensor scores = future.defined()
                            ? at::baddbmm(future.expand({batch * kvHeads, groups * count, keyCount}), qg, kt, 1.0, scale)
                            : at::bmm(qg, kt).mul_(scale);
    auto probs = at::softmax(scores, -1);
    auto out = at::bmm(probs, v.reshape({batch * kvHeads, keyCount, dim}))  // [B*kvH, groups*T, D]
                   .view({batch, heads, count, dim})
                   .transpose(1, 2)
                   .reshape({batch, count, heads * dim});
    return at::linear(out, l.oProj);
}

}  // namespace lathe
