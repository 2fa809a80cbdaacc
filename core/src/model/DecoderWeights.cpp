#include "model/DecoderWeights.h"

#include "common/TensorText.h"
#include "model/Checkpoint.h"
#include "model/TensorLayout.h"

namespace lathe::model {
namespace {

Result<at::Tensor> fetch(const TensorSource& source, const std::string& name, const std::vector<int64_t>& shape)
{
    auto tensor = source(name);
    if (!tensor) return tensor.error();
    at::Tensor t = std::move(tensor).value();
    if (t.sizes() != at::IntArrayRef(shape))
        return makeError(ErrorCode::Corrupt, "tensor " + name + " has shape " + shapeText(t.sizes()) +
                                                 " but the model config implies " + shapeText(shape));
    if (t.scalar_type() != at::kFloat) t = t.to(at::kFloat);
    return t.contiguous();
}

std::string layerName(int layer, const std::string& suffix)
{
    return "model.layers." + std::to_string(layer) + "." + suffix;
}

}  // namespace

at::Tensor* layerTensor(LayerWeights& l, const std::string& suffix)
{
    const std::pair<const char*, at::Tensor*> slots[] = {
        {"input_layernorm.weight", &l.inputNorm}, {"post_attention_layernorm.weight", &l.postAttentionNorm},
        {"self_attn.q_proj.weight", &l.qProj},    {"self_attn.k_proj.weight", &l.kProj},
        {"self_attn.v_proj.weight", &l.vProj},    {"self_attn.o_proj.weight", &l.oProj},
        {"self_attn.q_proj.bias", &l.qBias},      {"self_attn.k_proj.bias", &l.kBias},
        {"self_attn.v_proj.bias", &l.vBias},      {"self_attn.q_norm.weight", &l.qNorm},
        {"self_attn.k_norm.weight", &l.kNorm},    {"post_feedforward_layernorm.weight", &l.postFeedforwardNorm},
        {"mlp.gate_proj.weight", &l.gateProj},    {"mlp.up_proj.weight", &l.upProj},
        {"mlp.down_proj.weight", &l.downProj}};
    for (const auto& [name, slot] : slots)
        if (suffix == name) return slot;
    return nullptr;
}

Result<DecoderWeights> loadDecoderWeights(const ModelConfig& c, const TensorSource& source, const ProgressFn& progress,
                                          const StopToken& stop)
{
    const int64_t hidden = c.hiddenSize, ffn = c.intermediateSize, vocab = c.vocabSize;
    if (hidden <= 0 || ffn <= 0 || vocab <= 0 || c.numLayers <= 0 || c.numHeads <= 0 || c.numKvHeads <= 0 ||
        c.headDim <= 0 || c.headDim % 2 != 0 || c.numHeads % c.numKvHeads != 0)
        return makeError(ErrorCode::Corrupt, "model config is inconsistent (hidden " + std::to_string(hidden) +
                                                 ", heads " + std::to_string(c.numHeads) + ", kv heads " +
                                                 std::to_string(c.numKvHeads) + ", head_dim " +
                                                 std::to_string(c.headDim) +
                                                 "): heads must be a multiple of kv heads "
                                                 "and head_dim even");

    DecoderWeights w;
#define LATHE_FETCH(dst, name, ...)                                       \
    do {                                                                  \
        auto r_ = fetch(source, name, std::vector<int64_t>(__VA_ARGS__)); \
        if (!r_) return r_.error();                                       \
        dst = std::move(r_).value();                                      \
    } while (0)

    LATHE_FETCH(w.embedTokens, "model.embed_tokens.weight", {vocab, hidden});
    const std::vector<ExpectedTensor> layerTensors = expectedLayerTensors(c);
    w.layers.resize(c.numLayers);
    for (int i = 0; i < c.numLayers; ++i) {
        if (stop.stopRequested()) return makeError(ErrorCode::Cancelled, "loading weights cancelled");
        if (progress) progress({"load weights", "layer " + std::to_string(i + 1), i, c.numLayers, "layers"});
        LayerWeights& l = w.layers[i];
        for (const ExpectedTensor& t : layerTensors) {
            at::Tensor* slot = layerTensor(l, t.name);
            if (!slot) return makeError(ErrorCode::Internal, "no slot for layer tensor " + t.name);
            LATHE_FETCH(*slot, layerName(i, t.name), t.shape);
        }
    }
    LATHE_FETCH(w.finalNorm, "model.norm.weight", {hidden});
    if (c.tieWordEmbeddings)
        w.lmHead = w.embedTokens;
    else
        LATHE_FETCH(w.lmHead, "lm_head.weight", {vocab, hidden});
#undef LATHE_FETCH
    if (progress) progress({"load weights", "", c.numLayers, c.numLayers, "layers"});
    return w;
}

TensorSource checkpointSource(const Checkpoint& checkpoint)
{
    return [&checkpoint](const std::string& name) -> Result<at::Tensor> {
        if (!checkpoint.has(name))
            return makeError(ErrorCode::NotFound,
                             "tensor " + name + " is missing from the checkpoint in " + checkpoint.directory());
        return checkpoint.load(name, at::kFloat);
    };
}

TensorSource mapSource(const std::map<std::string, at::Tensor>& tensors)
{
    return [&tensors](const std::string& name) -> Result<at::Tensor> {
        auto it = tensors.find(name);
        if (it == tensors.end()) return makeError(ErrorCode::NotFound, "tensor " + name + " is missing");
        return it->second;
    };
}

}  // namespace lathe::model
