#include "compile/FloatWeights.h"

#include "model/Checkpoint.h"
#include "model/DecoderWeights.h"
#include "model/TensorLayout.h"
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
    quant::WeightMap w;
    const std::vector<model::ExpectedTensor> tensors = model::expectedLayerTensors(c);
    for (const auto& t : tensors) {
        const std::string name = model::layerTensorName(layer, t.name);
        auto tensor = fetch(checkpoint, name);
        if (!tensor) return tensor.error();
        w[name] = std::move(tensor).value();
    }
    if (plan.rotate) LATHE_TRY(quant::transformLayer(c, w, layer, transformOptions(plan), r1));
    model::LayerWeights l;
    for (const auto& t : tensors) {
        at::Tensor* slot = model::layerTensor(l, t.name);
        auto found = w.find(model::layerTensorName(layer, t.name));
        // The transforms fuse norms away (their entries are gone) and leave every other tensor in place.
        if (slot && found != w.end()) *slot = found->second;
    }
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
