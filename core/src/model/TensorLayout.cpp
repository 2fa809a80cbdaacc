#include "model/TensorLayout.h"

#include "model/Checkpoint.h"

namespace lathe::model {

std::vector<ExpectedTensor> expectedLayerTensors(const ModelConfig& c)
{
    const int64_t h = c.hiddenSize, ffn = c.intermediateSize;
    const int64_t q = int64_t(c.numHeads) * c.headDim, kv = int64_t(c.numKvHeads) * c.headDim;
    std::vector<ExpectedTensor> out = {
        {"input_layernorm.weight", {h}},
        {"self_attn.q_proj.weight", {q, h}},
        {"self_attn.k_proj.weight", {kv, h}},
        {"self_attn.v_proj.weight", {kv, h}},
    };
    if (c.attentionBias) {
        out.push_back({"self_attn.q_proj.bias", {q}});
        out.push_back({"self_attn.k_proj.bias", {kv}});
        out.push_back({"self_attn.v_proj.bias", {kv}});
    }
    out.push_back({"self_attn.o_proj.weight", {h, q}});
    out.push_back({"post_attention_layernorm.weight", {h}});
    out.push_back({"mlp.gate_proj.weight", {ffn, h}});
    out.push_back({"mlp.up_proj.weight", {ffn, h}});
    out.push_back({"mlp.down_proj.weight", {h, ffn}});
    return out;
}

std::vector<ExpectedTensor> expectedTensors(const ModelConfig& c)
{
    std::vector<ExpectedTensor> out;
    out.push_back({"model.embed_tokens.weight", {c.vocabSize, c.hiddenSize}});
    const auto layer = expectedLayerTensors(c);
    for (int i = 0; i < c.numLayers; ++i)
        for (const auto& t : layer) out.push_back({layerTensorName(i, t.name), t.shape});
    out.push_back({"model.norm.weight", {c.hiddenSize}});
    if (!c.tieWordEmbeddings) out.push_back({"lm_head.weight", {c.vocabSize, c.hiddenSize}});
    return out;
}

std::string shapeToString(const std::vector<int64_t>& shape)
{
    std::string s = "[";
    for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + "]";
}

}  // namespace lathe::model
