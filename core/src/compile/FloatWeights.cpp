#include "compile/FloatWeights.h"

#include "model/Checkpoint.h"
#include "quant/Transforms.h"

#include <algorithm>

namespace lathe::compile {
namespace {

Result<at::Tensor> fetch(const model::Checkpoint& checkpoint, const std::string& name)
{
    if (!checkpoint.has(name))
        return makeError(ErrorCode::NotFound,
                         "tensor " + name + " is missing from the checkpoint in " + checkpoint.directory());
    return checkpoint.load(name, at::kFloat);
}

quant::TransformOptions transformOptions(const CompilePlan& plan)
{
    quant::TransformOptions t;
    t.fuseNorms = t.rotateResidual = t.rotateValues = plan.rotate;
    t.seed = plan.options.seed;
    return t;
}

}  // namespace

Result<model::LayerWeights> loadLayerWeights(const model::Checkpoint& checkpoint, const CompilePlan& plan, int layer,
                                             const quant::Rotation& r1)
{
    const model::ModelConfig& c = plan.config;
    std::vector<std::string> suffixes{"input_layernorm.weight",  "post_attention_layernorm.weight",
                                      "self_attn.q_proj.weight", "self_attn.k_proj.weight",
                                      "self_attn.v_proj.weight", "self_attn.o_proj.weight",
                                      "mlp.gate_proj.weight",    "mlp.up_proj.weight",
                                      "mlp.down_proj.weight"};
    if (c.attentionBias)
        for (const char* b : {"self_attn.q_proj.bias", "self_attn.k_proj.bias", "self_attn.v_proj.bias"})
            suffixes.emplace_back(b);
    quant::WeightMap w;
    for (const auto& suffix : suffixes) {
        const std::string name = model::layerTensorName(layer, suffix);
        auto t = fetch(checkpoint, name);
        if (!t) return t.error();
        w[name] = std::move(t).value();
    }
    if (plan.rotate) LATHE_TRY(quant::transformLayer(c, w, layer, transformOptions(plan), r1));
    auto take = [&](const char* suffix) {
        return w.count(model::layerTensorName(layer, suffix)) ? w.at(model::layerTensorName(layer, suffix))
                                                              : at::Tensor();
    };
    model::LayerWeights l;
    l.inputNorm = take("input_layernorm.weight");
    l.postAttentionNorm = take("post_attention_layernorm.weight");
    l.qProj = take("self_attn.q_proj.weight");
    l.kProj = take("self_attn.k_proj.weight");
    l.vProj = take("self_attn.v_proj.weight");
    l.oProj = take("self_attn.o_proj.weight");
    l.qBias = take("self_attn.q_proj.bias");
    l.kBias = take("self_attn.k_proj.bias");
    l.vBias = take("self_attn.v_proj.bias");
    l.gateProj = take("mlp.gate_proj.weight");
    l.upProj = take("mlp.up_proj.weight");
    l.downProj = take("mlp.down_proj.weight");
    return l;
}

Result<HeadWeights> loadHeadWeights(const model::Checkpoint& checkpoint, const CompilePlan& plan,
                                    const quant::Rotation& r1)
{
    const model::ModelConfig& c = plan.config;
    HeadWeights head;
    auto norm = fetch(checkpoint, "model.norm.weight");
    if (!norm) return norm.error();
    auto weight = fetch(checkpoint, c.tieWordEmbeddings ? "model.embed_tokens.weight" : "lm_head.weight");
    if (!weight) return weight.error();
    head.weight = std::move(weight).value();
    if (!plan.rotate) {
        head.finalNorm = std::move(norm).value();
        return head;
    }
    // The head's transforms act on each row alone, so a block of rows is transformed as a model whose vocabulary
    // is that block.
    model::ModelConfig block = c;
    block.tieWordEmbeddings = false;
    const int64_t rows = plan.rowsPerBlock;
    for (int64_t r0 = 0; r0 < c.vocabSize; r0 += rows) {
        const int64_t n = std::min(rows, int64_t(c.vocabSize) - r0);
        block.vocabSize = int(n);
        quant::WeightMap w{{"lm_head.weight", head.weight.narrow(0, r0, n)}, {"model.norm.weight", *norm}};
        LATHE_TRY(quant::fuseFinalNorm(block, w));
        LATHE_TRY(quant::rotateHeadResidual(block, w, r1));
        head.weight.narrow(0, r0, n).copy_(w.at("lm_head.weight"));
    }
    head.finalNorm = at::ones_like(*norm);
    return head;
}

}  // namespace lathe::compile
