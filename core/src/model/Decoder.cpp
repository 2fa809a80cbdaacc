#include "model/Decoder.h"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <tuple>

namespace lathe::model {

at::Tensor rmsNorm(const at::Tensor& x, const at::Tensor& weight, double eps)
{
    auto xf = x.to(at::kFloat);
    auto variance = xf.pow(2).mean(-1, /*keepdim=*/true);
    return xf.mul(at::rsqrt(variance.add_(eps))).mul_(weight);
}

namespace {

// The float reference's linears: fp32 weights of each layer, the (possibly tied) head.
class FloatProjections : public Projections {
public:
    // Tensors share storage, so holding the weights a second time costs no memory.
    explicit FloatProjections(DecoderWeights weights) : m_weights(std::move(weights)) {}
    at::Tensor apply(int layer, Projection p, const at::Tensor& x) const override
    {
        if (p == Projection::Head) return at::linear(x, m_weights.lmHead);
        return floatProjection(m_weights.layers[static_cast<size_t>(layer)], p, x);
    }

private:
    DecoderWeights m_weights;
};

}  // namespace

Decoder::Decoder(ModelConfig config, DecoderWeights weights)
    : m_config(std::move(config)), m_weights(std::move(weights)), m_rope(m_config)
{
    m_projections = std::make_shared<FloatProjections>(m_weights);
}

Decoder::Decoder(ModelConfig config, DecoderWeights weights, std::shared_ptr<const Projections> projections)
    : m_config(std::move(config)),
      m_weights(std::move(weights)),
      m_projections(std::move(projections)),
      m_rope(m_config)
{
}

at::Tensor Decoder::forward(const at::Tensor& ids) const
{
    return run(ids, nullptr);
}

at::Tensor Decoder::forward(const at::Tensor& ids, KvCache& cache) const
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

KvCache Decoder::makeCache(int64_t batch, int64_t capacity) const
{
    KvCache cache;
    cache.capacity = capacity;
    for (int i = 0; i < m_config.numLayers; ++i) {
        cache.keys.push_back(at::zeros({batch, m_config.numKvHeads, capacity, m_config.headDim}, at::kFloat));
        cache.values.push_back(at::zeros({batch, m_config.numKvHeads, capacity, m_config.headDim}, at::kFloat));
    }
    return cache;
}

PositionContext makePositionContext(const ModelConfig& config, const Rope& rope, int64_t first, int64_t count)
{
    PositionContext ctx;
    ctx.first = first;
    ctx.count = count;
    std::tie(ctx.cos, ctx.sin) = rope.tables(first, count);
    // Additive mask, 0 or -inf, for keys after each query's own position; rows are grouped query heads x
    // tokens (see attention()). A single new token sees every cached key and needs none.
    const int64_t keyCount = first + count;
    const int64_t groups = config.numHeads / config.numKvHeads;
    auto queryPos = at::arange(first, first + count, at::kLong).view({count, 1});
    auto keyPos = at::arange(0, keyCount, at::kLong).view({1, keyCount});
    const float minusInf = -std::numeric_limits<float>::infinity();
    if (count > 1)
        ctx.future =
            at::zeros({count, keyCount}, at::kFloat).masked_fill_(keyPos.gt(queryPos), minusInf).repeat({groups, 1});
    // Sliding layers (transformers' sliding-window causal mask) see key k from query q when q - window < k <= q.
    if (config.slidingWindow > 0 && (count > 1 || keyCount > config.slidingWindow))
        ctx.window =
            at::zeros({count, keyCount}, at::kFloat)
                .masked_fill_(keyPos.gt(queryPos).logical_or_(keyPos.le(queryPos - config.slidingWindow)), minusInf)
                .repeat({groups, 1});
    return ctx;
}

at::Tensor Decoder::run(const at::Tensor& ids, KvCache* cache) const
{
    if (ids.dim() != 2) throw std::invalid_argument("token ids must be [batch, tokens]");
    const auto ctx = makePositionContext(m_config, m_rope, cache ? cache->length : 0, ids.size(1));
    at::Tensor h = at::embedding(m_weights.embedTokens, ids.to(at::kLong));  // [B, T, hidden]
    for (size_t i = 0; i < m_weights.layers.size(); ++i) {
        const LayerWeights& l = m_weights.layers[i];
        const int layer = static_cast<int>(i);
        auto project = [&](Projection p, const at::Tensor& x) { return m_projections->apply(layer, p, x); };
        h = decoderLayer(m_config, l, project, h, ctx, i, cache);
    }
    h = rmsNorm(h, m_weights.finalNorm, m_config.rmsNormEps);
    return m_projections->apply(-1, Projection::Head, h);
}

namespace {

at::Tensor attention(const ModelConfig& config, const LayerWeights& norms, const ProjectionFn& project,
                     const at::Tensor& x, const PositionContext& ctx, KvCache* cache, size_t layerIndex)
{
    const int64_t batch = x.size(0), count = x.size(1);
    const int64_t heads = config.numHeads, kvHeads = config.numKvHeads, dim = config.headDim;
    const int64_t first = ctx.first;
    const bool sliding = isSlidingLayer(config, int(layerIndex));
    const at::Tensor& future = sliding && ctx.window.defined() ? ctx.window : ctx.future;
    const int64_t groups = heads / kvHeads;

    // [B, T, H*D] → [B, H, T, D], made contiguous once so later views are free.
    auto q = project(Projection::Query, x).view({batch, count, heads, dim});
    auto k = project(Projection::Key, x).view({batch, count, kvHeads, dim});
    if (config.qkNorm) {
        // Qwen3: each head of q and k is RMS-normalised over head_dim before RoPE.
        q = rmsNorm(q, norms.qNorm, config.rmsNormEps);
        k = rmsNorm(k, norms.kNorm, config.rmsNormEps);
    }
    q = q.transpose(1, 2).contiguous();
    k = k.transpose(1, 2).contiguous();
    auto v = project(Projection::Value, x).view({batch, count, kvHeads, dim}).transpose(1, 2);
    if (layerUsesRope(config, int(layerIndex))) {
        Rope::apply(q, ctx.cos, ctx.sin);
        Rope::apply(k, ctx.cos, ctx.sin);
    }

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
    at::Tensor scores =
        future.defined() ? at::baddbmm(future.expand({batch * kvHeads, groups * count, keyCount}), qg, kt, 1.0, scale)
                         : at::bmm(qg, kt).mul_(scale);
    auto probs = at::softmax(scores, -1);
    auto out = at::bmm(probs, v.reshape({batch * kvHeads, keyCount, dim}))  // [B*kvH, groups*T, D]
                   .view({batch, heads, count, dim})
                   .transpose(1, 2)
                   .reshape({batch, count, heads * dim});
    return project(Projection::Output, out);
}

}  // namespace

at::Tensor attentionInput(const ModelConfig& config, const LayerWeights& norms, const at::Tensor& h)
{
    return config.postNorm ? h : rmsNorm(h, norms.inputNorm, config.rmsNormEps);
}

at::Tensor attentionOutput(const ModelConfig& config, const LayerWeights& norms, const at::Tensor& y)
{
    return config.postNorm ? rmsNorm(y, norms.postAttentionNorm, config.rmsNormEps) : y;
}

at::Tensor mlpInput(const ModelConfig& config, const LayerWeights& norms, const at::Tensor& x)
{
    return config.postNorm ? x : rmsNorm(x, norms.postAttentionNorm, config.rmsNormEps);
}

at::Tensor mlpOutput(const ModelConfig& config, const LayerWeights& norms, const at::Tensor& y)
{
    return config.postNorm ? rmsNorm(y, norms.postFeedforwardNorm, config.rmsNormEps) : y;
}

at::Tensor attentionResidual(const ModelConfig& config, const LayerWeights& norms, const ProjectionFn& project,
                             const at::Tensor& h, const PositionContext& ctx, size_t layerIndex, KvCache* cache)
{
    auto y = attention(config, norms, project, attentionInput(config, norms, h), ctx, cache, layerIndex);
    return h + attentionOutput(config, norms, y);
}

at::Tensor mlpResidual(const ModelConfig& config, const LayerWeights& norms, const ProjectionFn& project,
                       const at::Tensor& x)
{
    auto normed = mlpInput(config, norms, x);
    auto gate = project(Projection::Gate, normed);
    auto up = project(Projection::Up, normed);
    return x + mlpOutput(config, norms, project(Projection::Down, at::silu(gate).mul_(up)));
}

at::Tensor decoderLayer(const ModelConfig& config, const LayerWeights& norms, const ProjectionFn& project,
                        const at::Tensor& h, const PositionContext& ctx, size_t layerIndex, KvCache* cache)
{
    return mlpResidual(config, norms, project, attentionResidual(config, norms, project, h, ctx, layerIndex, cache));
}

}  // namespace lathe::model
