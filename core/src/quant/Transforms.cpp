#include "quant/Transforms.h"

#include "quant/Hadamard.h"
#include "common/TensorText.h"


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

}  // namespace

Result<void> untieLmHead(ModelConfig& c, WeightMap& weights)
{
    return guarded("untying lm_head", [&]() -> Result<void> {
        if (!c.tieWordEmbeddings) return {};
        LATHE_FIND(embed, "model.embed_tokens.weight", {c.vocabSize, c.hiddenSize});
        weights["lm_head.weight"] = embed.clone();
        c.tieWordEmbeddings = false;
        return {};
    });
}

Result<void> fuseNorms(ModelConfig& c, WeightMap& weights)
{
    return guarded("fusing norms", [&]() -> Result<void> {
        if (auto r = untieLmHead(c, weights); !r) return r.error();
        const int64_t hidden = c.hiddenSize, ffn = c.intermediateSize;
        const int64_t qDim = int64_t(c.numHeads) * c.headDim, kvDim = int64_t(c.numKvHeads) * c.headDim;
        // y = W·(α ⊙ n(x)) = (W·diag(α))·n(x): scale column j of each reader by α_j.
        auto fold = [&](const std::string& normName, const std::vector<std::pair<std::string, int64_t>>& readers)
            -> Result<void> {
            LATHE_FIND(norm, normName, {hidden});
            const at::Tensor alpha = wide(norm);
            for (const auto& [name, rows] : readers) {
                LATHE_FIND(w, name, {rows, hidden});
                store(w, wide(w) * alpha.unsqueeze(0));
            }
            store(norm, at::ones_like(alpha));
            return {};
        };
        for (int i = 0; i < c.numLayers; ++i) {
            if (auto r = fold(layerName(i, "input_layernorm.weight"),
                              {{layerName(i, "self_attn.q_proj.weight"), qDim},
                               {layerName(i, "self_attn.k_proj.weight"), kvDim},
                               {layerName(i, "self_attn.v_proj.weight"), kvDim}});
                !r)
                return r.error();
            if (auto r = fold(layerName(i, "post_attention_layernorm.weight"),
                              {{layerName(i, "mlp.gate_proj.weight"), ffn}, {layerName(i, "mlp.up_proj.weight"), ffn}});
                !r)
                return r.error();
        }
        return fold("model.norm.weight", {{"lm_head.weight", c.vocabSize}});
    });
}

Result<void> rotateResidual(const ModelConfig& c, WeightMap& weights, const at::Tensor& r1)
{
    return guarded("rotating the residual stream", [&]() -> Result<void> {
        const int64_t hidden = c.hiddenSize, ffn = c.intermediateSize;
        const int64_t qDim = int64_t(c.numHeads) * c.headDim, kvDim = int64_t(c.numKvHeads) * c.headDim;
        if (auto r = checkRotation(r1, hidden, "R1"); !r) return r.error();
        std::vector<std::string> norms{"model.norm.weight"};
        for (int i = 0; i < c.numLayers; ++i) {
            norms.push_back(layerName(i, "input_layernorm.weight"));
            norms.push_back(layerName(i, "post_attention_layernorm.weight"));
        }
        for (const auto& name : norms) {
            LATHE_FIND(norm, name, {hidden});
            if (!at::equal(norm, at::ones_like(norm)))
                return makeError(ErrorCode::InvalidArgument,
                                 "R1 needs unit RMSNorm weights, but " + name + " is not all ones: fuse the norms first");
        }
        const at::Tensor r = wide(r1), rt = r.t();
        auto reader = [&](const std::string& name, int64_t rows) -> Result<void> {
            LATHE_FIND(w, name, {rows, hidden});
            store(w, at::matmul(wide(w), r));
            return {};
        };
        auto writer = [&](const std::string& name, int64_t cols) -> Result<void> {
            LATHE_FIND(w, name, {hidden, cols});
            store(w, at::matmul(rt, wide(w)));
            const std::string biasName = name.substr(0, name.size() - 6) + "bias";  // "...weight" → "...bias"
            if (auto it = weights.find(biasName); it != weights.end()) {
                LATHE_FIND(b, biasName, {hidden});
                store(b, at::matmul(rt, wide(b)));
            }
            return {};
        };
        if (auto e = reader("model.embed_tokens.weight", c.vocabSize); !e) return e.error();
        // A tied head is the embedding, already rotated.
        if (!c.tieWordEmbeddings)
            if (auto e = reader("lm_head.weight", c.vocabSize); !e) return e.error();
        for (int i = 0; i < c.numLayers; ++i) {
            for (const auto& [suffix, rows] : std::vector<std::pair<std::string, int64_t>>{
                     {"self_attn.q_proj.weight", qDim}, {"self_attn.k_proj.weight", kvDim},
                     {"self_attn.v_proj.weight", kvDim}, {"mlp.gate_proj.weight", ffn}, {"mlp.up_proj.weight", ffn}})
                if (auto e = reader(layerName(i, suffix), rows); !e) return e.error();
            if (auto e = writer(layerName(i, "self_attn.o_proj.weight"), qDim); !e) return e.error();
            if (auto e = writer(layerName(i, "mlp.down_proj.weight"), ffn); !e) return e.error();
        }
        return {};
    });
}

Result<void> rotateValues(const ModelConfig& c, WeightMap& weights, int layer, const at::Tensor& r2)
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

Result<Rotations> applyEquivalentTransforms(ModelConfig& c, WeightMap& weights, const TransformOptions& options)
{
    return guarded("applying equivalent transforms", [&]() -> Result<Rotations> {
        Rotations out;
        if (options.fuseNorms)
            if (auto r = fuseNorms(c, weights); !r) return r.error();
        if (options.rotateResidual) {
            auto r1 = randomHadamard(c.hiddenSize, options.seed);
            if (!r1) return r1.error();
            if (auto r = rotateResidual(c, weights, r1.value()); !r) return r.error();
            out.r1 = std::move(r1).value();
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

}  // namespace lathe::quant
