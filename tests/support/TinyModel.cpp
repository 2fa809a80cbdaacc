#include "TinyModel.h"

namespace lathe::test {

model::ModelConfig tinyLlamaConfig(const TinyShape& shape)
{
    model::ModelConfig c;
    c.architecture = "LlamaForCausalLM";
    c.modelType = "llama";
    c.hiddenSize = shape.hiddenSize;
    c.intermediateSize = shape.intermediateSize;
    c.numLayers = shape.numLayers;
    c.numHeads = shape.numHeads;
    c.numKvHeads = shape.numKvHeads;
    c.headDim = shape.headDim;
    c.vocabSize = shape.vocabSize;
    c.maxPositionEmbeddings = shape.maxPositionEmbeddings;
    c.rmsNormEps = 1e-5;
    c.ropeTheta = 10000.0;
    c.tieWordEmbeddings = true;
    return c;
}

std::map<std::string, at::Tensor> tinyWeights(const model::ModelConfig& c, const TinyWeightScales& scales,
                                              const WeightDraw& draw)
{
    std::map<std::string, at::Tensor> w;
    auto add = [&](const std::string& name, std::vector<int64_t> shape, double center, double scale) {
        auto t = at::empty(shape, at::kFloat);
        float* p = t.data_ptr<float>();
        for (int64_t i = 0; i < t.numel(); ++i) p[i] = draw(center, scale);
        w[name] = t;
    };
    const int64_t h = c.hiddenSize, f = c.intermediateSize, q = int64_t(c.numHeads) * c.headDim,
                  kv = int64_t(c.numKvHeads) * c.headDim;
    add("model.embed_tokens.weight", {c.vocabSize, h}, 0, scales.embedding);
    for (int i = 0; i < c.numLayers; ++i) {
        const std::string p = "model.layers." + std::to_string(i) + ".";
        if (!c.postNorm) add(p + "input_layernorm.weight", {h}, 1, scales.norm);
        add(p + "post_attention_layernorm.weight", {h}, 1, scales.norm);
        if (c.postNorm) add(p + "post_feedforward_layernorm.weight", {h}, 1, scales.norm);
        add(p + "self_attn.q_proj.weight", {q, h}, 0, scales.attentionIn);
        add(p + "self_attn.k_proj.weight", {kv, h}, 0, scales.attentionIn);
        add(p + "self_attn.v_proj.weight", {kv, h}, 0, scales.attentionIn);
        add(p + "self_attn.o_proj.weight", {h, q}, 0, scales.attentionOut);
        if (c.attentionBias) {
            add(p + "self_attn.q_proj.bias", {q}, 0, scales.bias);
            add(p + "self_attn.k_proj.bias", {kv}, 0, scales.bias);
            add(p + "self_attn.v_proj.bias", {kv}, 0, scales.bias);
        }
        if (c.qkNorm) {
            add(p + "self_attn.q_norm.weight", {c.headDim}, 1, scales.norm);
            add(p + "self_attn.k_norm.weight", {c.headDim}, 1, scales.norm);
        }
        add(p + "mlp.gate_proj.weight", {f, h}, 0, scales.mlpIn);
        add(p + "mlp.up_proj.weight", {f, h}, 0, scales.mlpIn);
        add(p + "mlp.down_proj.weight", {h, f}, 0, scales.mlpOut);
    }
    add("model.norm.weight", {h}, 1, scales.norm);
    if (!c.tieWordEmbeddings) add("lm_head.weight", {c.vocabSize, h}, 0, scales.lmHead);
    return w;
}

double symmetricUnit(std::mt19937_64& rng)
{
    return double(rng() >> 11) * 0x1.0p-53 * 2.0 - 1.0;
}

WeightDraw symmetricDraw(std::mt19937_64& rng)
{
    return [&rng](double center, double scale) { return float(center + scale * symmetricUnit(rng)); };
}

}  // namespace lathe::test
