#include "model/TensorLayout.h"

#include "model/Checkpoint.h"

namespace lathe::model {

std::vector<ExpectedTensor> expectedLayerTensors(const ModelConfig& c)
{
    const int64_t h = c.hiddenSize, ffn = c.intermediateSize;
    const int64_t q = int64_t(c.numHeads) * c.headDim, kv = int64_t(c.numKvHeads) * c.headDim;
    std::vector<ExpectedTensor> out;
    if (!c.postNorm) out.push_back({"input_layernorm.weight", {h}});
    out.push_back({"self_attn.q_proj.weight", {q, h}});
    out.push_back({"self_attn.k_proj.weight", {kv, h}});
    out.push_back({"self_attn.v_proj.weight", {kv, h}});
    if (c.attentionBias) {
        out.push_back({"self_attn.q_proj.bias", {q}});
        out.push_back({"self_attn.k_proj.bias", {kv}});
        out.push_back({"self_attn.v_proj.bias", {kv}});
    }
    if (c.qkNorm) {
        out.push_back({"self_attn.q_norm.weight", {c.headDim}});
        out.push_back({"self_attn.k_norm.weight", {c.headDim}});
    }
    out.push_back({"self_attn.o_proj.weight", {h, q}});
    // Pre-norm families read it before the MLP; EXAONE 4 applies it to the attention output.
    out.push_back({"post_attention_layernorm.weight", {h}});
    out.push_back({"mlp.gate_proj.weight", {ffn, h}});
    out.push_back({"mlp.up_proj.weight", {ffn, h}});
    out.push_back({"mlp.down_proj.weight", {h, ffn}});
    if (c.postNorm) out.push_back({"post_feedforward_layernorm.weight", {h}});
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

std::vector<ExpectedTensor> layerNormTensors(const ModelConfig& c)
{
    std::vector<ExpectedTensor> out;
    for (auto& t : expectedLayerTensors(c))
        if (t.name.find("norm.weight") != std::string::npos) out.push_back(std::move(t));
    return out;
}

namespace {

// EXAONE 3.x keeps GPT-2's module names around a Llama decoder (its modeling_exaone.py).
const std::pair<const char*, const char*> kExaoneLayerNames[] = {
    {"input_layernorm.weight", "ln_1.weight"},
    {"post_attention_layernorm.weight", "ln_2.weight"},
    {"self_attn.q_proj.weight", "attn.attention.q_proj.weight"},
    {"self_attn.k_proj.weight", "attn.attention.k_proj.weight"},
    {"self_attn.v_proj.weight", "attn.attention.v_proj.weight"},
    {"self_attn.o_proj.weight", "attn.attention.out_proj.weight"},
    {"mlp.gate_proj.weight", "mlp.c_fc_0.weight"},
    {"mlp.up_proj.weight", "mlp.c_fc_1.weight"},
    {"mlp.down_proj.weight", "mlp.c_proj.weight"},
};

}  // namespace

std::string checkpointTensorName(const ModelConfig& c, const std::string& name)
{
    if (c.modelType != "exaone") return name;
    if (name == "model.embed_tokens.weight") return "transformer.wte.weight";
    if (name == "model.norm.weight") return "transformer.ln_f.weight";
    const std::string prefix = "model.layers.";
    if (name.rfind(prefix, 0) != 0) return name;
    const size_t dot = name.find('.', prefix.size());
    if (dot == std::string::npos) return name;
    const std::string layer = name.substr(prefix.size(), dot - prefix.size());
    const std::string suffix = name.substr(dot + 1);
    for (const auto& [canonical, exaone] : kExaoneLayerNames)
        if (suffix == canonical) return "transformer.h." + layer + "." + exaone;
    return name;
}

std::string shapeToString(const std::vector<int64_t>& shape)
{
    std::string s = "[";
    for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + "]";
}

}  // namespace lathe::model
