#include "quant/Transforms.h"

#include "common/TensorText.h"
#include "quant/Hadamard.h"
#include "quant/Rotation.h"

namespace lathe::quant {
namespace {

std::string layerName(int layer, const std::string& suffix)
{
    return "model.layers." + std::to_string(layer) + "." + suffix;
}

// The named tensor, checked against the shape the config implies.
Result<at::Tensor*> find(WeightMap& weights, const std::string& name, std::vector<int64_t> shape)
{
    auto it = weights.find(name);
    if (it == weights.end() || !it->second.defined())
        return makeError(ErrorCode::NotFound, "tensor " + name + " is missing from the weights to transform");
    if (it->second.sizes() != at::IntArrayRef(shape))
        return makeError(ErrorCode::InvalidArgument, "tensor " + name + " has shape " + shapeText(it->second.sizes()) +
                                                         " but the model config implies " + shapeText(shape));
    return &it->second;
}

at::Tensor wide(const at::Tensor& t) { return t.to(at::kDouble); }

// Replaces (never writes into) the tensor, so tensors shared with other maps or a tied head stay untouched.
void store(at::Tensor& t, const at::Tensor& value) { t = value.to(t.scalar_type()).contiguous(); }

Result<void> checkRotation(const at::Tensor& r, int64_t n, const char* what)
{
    if (!r.defined() || r.dim() != 2 || r.size(0) != n || r.size(1) != n)
        return makeError(ErrorCode::InvalidArgument,
                         std::string(what) + " must be " + std::to_string(n) + " × " + std::to_string(n) +
                             (r.defined() ? ", got " + shapeText(r.sizes()) : ", got none"));
    return {};
}

Result<void> checkRotation(const Rotation& r, int64_t n, const char* what)
{
    return checkRotation(r.matrix(), n, what);
}

template <typename F>
auto guarded(const char* what, F&& body) -> decltype(body())
{
    try {
        return body();
    } catch (const std::exception& e) {
        return makeError(ErrorCode::Internal, std::string(what) + " failed: " + e.what());
    }
}

#define LATHE_FIND(var, ...)                          \
    auto var##Found_ = find(weights, __VA_ARGS__);    \
    if (!var##Found_) return var##Found_.error();     \
    at::Tensor& var = *var##Found_.value()

// y = W·(α ⊙ n(x)) = (W·diag(α))·n(x): scale column j of each reader by α_j, then set α = 1.
Result<void> foldNorm(WeightMap& weights, const std::string& normName, int64_t hidden,
                      const std::vector<std::pair<std::string, int64_t>>& readers)
{
    LATHE_FIND(norm, normName, {hidden});
    const at::Tensor alpha = wide(norm);
    for (const auto& [name, rows] : readers) {
        LATHE_FIND(w, name, {rows, hidden});
        store(w, wide(w) * alpha.unsqueeze(0));
    }
    store(norm, at::ones_like(alpha));
    return {};
}

Result<void> requireUnitNorm(WeightMap& weights, const std::string& name, int64_t hidden)
{
    LATHE_FIND(norm, name, {hidden});
    if (!at::equal(norm, at::ones_like(norm)))
        return makeError(ErrorCode::InvalidArgument,
                         "R1 needs unit RMSNorm weights, but " + name + " is not all ones: fuse the norms first");
    return {};
}

// Readers of the residual: W ← W·R1.
Result<void> rotateReader(WeightMap& weights, const std::string& name, int64_t rows, const Rotation& r)
{
    LATHE_FIND(w, name, {rows, r.size()});
    store(w, r.rotateRows(w));
    return {};
}

// Writers of the residual: W ← R1ᵀ·W, and their bias.
Result<void> rotateWriter(WeightMap& weights, const std::string& name, int64_t cols, const Rotation& r)
{
    const int64_t hidden = r.size();
    LATHE_FIND(w, name, {hidden, cols});
    store(w, r.rotateColumns(w));
    const std::string biasName = name.substr(0, name.size() - 6) + "bias";  // "...weight" → "...bias"
    if (auto it = weights.find(biasName); it != weights.end()) {
        LATHE_FIND(b, biasName, {hidden});
        store(b, r.rotateColumns(b));
    }
    return {};
}

}  // namespace

Result<void> untieLmHead(model::ModelConfig& c, WeightMap& weights)
{
    return guarded("untying lm_head", [&]() -> Result<void> {
        if (!c.tieWordEmbeddings) return {};
        LATHE_FIND(embed, "model.embed_tokens.weight", {c.vocabSize, c.hiddenSize});
        weights["lm_head.weight"] = embed.clone();
        c.tieWordEmbeddings = false;
        return {};
    });
}

Result<void> fuseLayerNorms(const model::ModelConfig& c, WeightMap& weights, int i)
{
    return guarded("fusing norms", [&]() -> Result<void> {
        if (i < 0 || i >= c.numLayers)
            return makeError(ErrorCode::InvalidArgument,
                             "layer " + std::to_string(i) + " is out of range (" + std::to_string(c.numLayers) + " layers)");
        const int64_t hidden = c.hiddenSize, ffn = c.intermediateSize;
        const int64_t qDim = int64_t(c.numHeads) * c.headDim, kvDim = int64_t(c.numKvHeads) * c.headDim;
        LATHE_TRY(foldNorm(weights, layerName(i, "input_layernorm.weight"), hidden,
                           {{layerName(i, "self_attn.q_proj.weight"), qDim},
                            {layerName(i, "self_attn.k_proj.weight"), kvDim},
                            {layerName(i, "self_attn.v_proj.weight"), kvDim}}));
        return foldNorm(weights, layerName(i, "post_attention_layernorm.weight"), hidden,
                        {{layerName(i, "mlp.gate_proj.weight"), ffn}, {layerName(i, "mlp.up_proj.weight"), ffn}});
    });
}

Result<void> fuseFinalNorm(const model::ModelConfig& c, WeightMap& weights)
{
    return guarded("fusing norms", [&]() -> Result<void> {
        if (c.tieWordEmbeddings)
            return makeError(ErrorCode::InvalidArgument,
                             "the final norm can only be fused into an untied lm_head: untie the head first");
        return foldNorm(weights, "model.norm.weight", c.hiddenSize, {{"lm_head.weight", c.vocabSize}});
    });
}

Result<void> fuseNorms(model::ModelConfig& c, WeightMap& weights)
{
    return guarded("fusing norms", [&]() -> Result<void> {
        LATHE_TRY(untieLmHead(c, weights));
        for (int i = 0; i < c.numLayers; ++i) LATHE_TRY(fuseLayerNorms(c, weights, i));
        return fuseFinalNorm(c, weights);
    });
}

Result<void> rotateEmbeddingResidual(const model::ModelConfig& c, WeightMap& weights, const Rotation& r1)
{
    return guarded("rotating the residual stream", [&]() -> Result<void> {
        LATHE_TRY(checkRotation(r1, c.hiddenSize, "R1"));
        return rotateReader(weights, "model.embed_tokens.weight", c.vocabSize, r1);
    });
}

Result<void> rotateHeadResidual(const model::ModelConfig& c, WeightMap& weights, const Rotation& r1)
{
    return guarded("rotating the residual stream", [&]() -> Result<void> {
        LATHE_TRY(checkRotation(r1, c.hiddenSize, "R1"));
        LATHE_TRY(requireUnitNorm(weights, "model.norm.weight", c.hiddenSize));
        // A tied head is the embedding, rotated with it.
        if (c.tieWordEmbeddings) return {};
        return rotateReader(weights, "lm_head.weight", c.vocabSize, r1);
    });
}

Result<void> rotateLayerResidual(const model::ModelConfig& c, WeightMap& weights, int i, const Rotation& r1)
{
    return guarded("rotating the residual stream", [&]() -> Result<void> {
        if (i < 0 || i >= c.numLayers)
            return makeError(ErrorCode::InvalidArgument,
                             "layer " + std::to_string(i) + " is out of range (" + std::to_string(c.numLayers) + " layers)");
        const int64_t hidden = c.hiddenSize, ffn = c.intermediateSize;
        const int64_t qDim = int64_t(c.numHeads) * c.headDim, kvDim = int64_t(c.numKvHeads) * c.headDim;
        LATHE_TRY(checkRotation(r1, hidden, "R1"));
        LATHE_TRY(requireUnitNorm(weights, layerName(i, "input_layernorm.weight"), hidden));
        LATHE_TRY(requireUnitNorm(weights, layerName(i, "post_attention_layernorm.weight"), hidden));
        for (const auto& [suffix, rows] : std::vector<std::pair<std::string, int64_t>>{
                 {"self_attn.q_proj.weight", qDim}, {"self_attn.k_proj.weight", kvDim},
                 {"self_attn.v_proj.weight", kvDim}, {"mlp.gate_proj.weight", ffn}, {"mlp.up_proj.weight", ffn}})
            LATHE_TRY(rotateReader(weights, layerName(i, suffix), rows, r1));
        LATHE_TRY(rotateWriter(weights, layerName(i, "self_attn.o_proj.weight"), qDim, r1));
        return rotateWriter(weights, layerName(i, "mlp.down_proj.weight"), ffn, r1);
    });
}

Result<void> rotateResidual(const model::ModelConfig& c, WeightMap& weights, const Rotation& r1)
{
    return guarded("rotating the residual stream", [&]() -> Result<void> {
        LATHE_TRY(checkRotation(r1, c.hiddenSize, "R1"));
        // Every norm is checked before any tensor changes, so a refused rotation leaves the map as it was.
        LATHE_TRY(requireUnitNorm(weights, "model.norm.weight", c.hiddenSize));
        for (int i = 0; i < c.numLayers; ++i) {
            LATHE_TRY(requireUnitNorm(weights, layerName(i, "input_layernorm.weight"), c.hiddenSize));
            LATHE_TRY(requireUnitNorm(weights, layerName(i, "post_attention_layernorm.weight"), c.hiddenSize));
        }
        LATHE_TRY(rotateEmbeddingResidual(c, weights, r1));
        LATHE_TRY(rotateHeadResidual(c, weights, r1));
        for (int i = 0; i < c.numLayers; ++i) LATHE_TRY(rotateLayerResidual(c, weights, i, r1));
        return {};
    });
}

Result<void> rotateValues(const model::ModelConfig& c, WeightMap& weights, int layer, const at::Tensor& r2)
{
    return guarded("rotating the values", [&]() -> Result<void> {
        if (layer < 0 || layer >= c.numLayers)
            return makeError(ErrorCode::InvalidArgument, "layer " + std::to_string(layer) + " is out of range (" +
                                                             std::to_string(c.numLayers) + " layers)");
        const int64_t hidden = c.hiddenSize, hd = c.headDim, heads = c.numHeads, kv = c.numKvHeads;
        if (auto r = checkRotation(r2, hd, "R2"); !r) return r.error();
        const at::Tensor r = wide(r2);
        LATHE_FIND(v, layerName(layer, "self_attn.v_proj.weight"), {kv * hd, hidden});
        LATHE_FIND(o, layerName(layer, "self_attn.o_proj.weight"), {hidden, heads * hd});
        // Per kv head h: rows [h·hd, (h+1)·hd) of W_v become R2ᵀ·W_v[h].
        store(v, at::matmul(r.t(), wide(v).view({kv, hd, hidden})).reshape({kv * hd, hidden}));
        const std::string biasName = layerName(layer, "self_attn.v_proj.bias");
        if (weights.count(biasName)) {
            LATHE_FIND(b, biasName, {kv * hd});
            store(b, at::matmul(r.t(), wide(b).view({kv, hd, 1})).reshape({kv * hd}));
        }
        // Every query head reads an R2ᵀ-rotated value, so every o_proj column block gets R2 (GQA included).
        store(o, at::matmul(wide(o).view({hidden, heads, hd}).transpose(0, 1), r).transpose(0, 1).reshape({hidden, heads * hd}));
        return {};
    });
}

Result<Rotations> applyEquivalentTransforms(model::ModelConfig& c, WeightMap& weights, const TransformOptions& options)
{
    return guarded("applying equivalent transforms", [&]() -> Result<Rotations> {
        Rotations out;
        if (options.fuseNorms)
            if (auto r = fuseNorms(c, weights); !r) return r.error();
        if (options.rotateResidual) {
            auto r1 = Rotation::randomHadamard(c.hiddenSize, options.seed);
            if (!r1) return r1.error();
            if (auto r = rotateResidual(c, weights, r1.value()); !r) return r.error();
            out.r1 = r1->matrix();
        }
        if (options.rotateValues) {
            for (int i = 0; i < c.numLayers; ++i) {
                auto r2 = randomHadamard(c.headDim, options.seed + 1 + std::uint64_t(i));
                if (!r2) return r2.error();
                if (auto r = rotateValues(c, weights, i, r2.value()); !r) return r.error();
                out.r2.push_back(std::move(r2).value());
            }
        }
        return out;
    });
}

Result<void> transformLayer(const model::ModelConfig& c, WeightMap& weights, int layer, const TransformOptions& options,
                            const Rotation& r1)
{
    return guarded("applying equivalent transforms", [&]() -> Result<void> {
        if (options.fuseNorms) LATHE_TRY(fuseLayerNorms(c, weights, layer));
        if (options.rotateResidual) LATHE_TRY(rotateLayerResidual(c, weights, layer, r1));
        if (options.rotateValues) {
            auto r2 = randomHadamard(c.headDim, options.seed + 1 + std::uint64_t(layer));
            if (!r2) return r2.error();
            LATHE_TRY(rotateValues(c, weights, layer, r2.value()));
        }
        return {};
    });
}

}  // namespace lathe::quant
