#include "StoriesVariant.h"

#include "model/Checkpoint.h"
#include "model/TensorLayout.h"

#include <QDir>
#include <QFile>
#include <set>

namespace lathe::test {

QString storiesVariant(const StoriesFixture& stories, const QString& dir, const QString& name,
                       const std::function<void(model::ModelConfig&)>& change, const model::NamedTensors& extra)
{
    auto checkpoint = model::Checkpoint::open(stories.model.toStdString());
    if (!checkpoint) return {};
    model::NamedTensors tensors;
    for (const auto& info : (*checkpoint)->tensors()) tensors.emplace_back(info.name, *(*checkpoint)->load(info.name));
    tensors.insert(tensors.end(), extra.begin(), extra.end());
    model::ModelConfig config = (*checkpoint)->config();
    change(config);
    // Only what the family has (EXAONE 4 has no input norms), stored under its own names (EXAONE's
    // "transformer.h.<i>...."), as its checkpoints are.
    std::set<std::string> wanted;
    for (const auto& t : model::expectedTensors(config)) wanted.insert(t.name);
    std::erase_if(tensors, [&](const auto& t) { return !wanted.count(t.first); });
    for (auto& [name, tensor] : tensors) name = model::checkpointTensorName(config, name);
    const QString out = dir + "/" + name;
    QDir().mkpath(out);
    for (const QString& file : QDir(stories.model).entryList({"tokenizer*", "*_config.json", "special*"}))
        QFile::copy(stories.model + "/" + file, out + "/" + file);
    QFile json(out + "/config.json");
    if (!json.open(QIODevice::WriteOnly)) return {};
    json.write(QByteArray::fromStdString(model::modelConfigToJson(config)));
    json.close();
    if (!model::writeSafetensors((out + "/model.safetensors").toStdString(), tensors)) return {};
    return out;
}

QString storiesQwen2(const StoriesFixture& stories, const QString& dir)
{
    at::manual_seed(11);
    model::NamedTensors biases;
    for (int i = 0; i < 5; ++i)
        for (const auto& [proj, width] : {std::pair{"q_proj", 64}, std::pair{"k_proj", 32}, std::pair{"v_proj", 32}})
            biases.emplace_back("model.layers." + std::to_string(i) + ".self_attn." + proj + ".bias",
                                at::randn({width}, at::kFloat) * 0.5);
    return storiesVariant(
        stories, dir, "stories-qwen2",
        [](model::ModelConfig& c) {
            c.architecture = "Qwen2ForCausalLM";
            c.modelType = "qwen2";
            c.attentionBias = true;
        },
        biases);
}

QString storiesQwen3(const StoriesFixture& stories, const QString& dir)
{
    at::manual_seed(13);
    model::NamedTensors norms;
    for (int i = 0; i < 5; ++i)
        for (const char* which : {"q_norm", "k_norm"})
            norms.emplace_back("model.layers." + std::to_string(i) + ".self_attn." + which + ".weight",
                               1.0 + at::randn({8}, at::kFloat) * 0.3);
    return storiesVariant(
        stories, dir, "stories-qwen3",
        [](model::ModelConfig& c) {
            c.architecture = "Qwen3ForCausalLM";
            c.modelType = "qwen3";
            c.qkNorm = true;
        },
        norms);
}

QString storiesExaone(const StoriesFixture& stories, const QString& dir)
{
    return storiesVariant(stories, dir, "stories-exaone",
                          [](model::ModelConfig& c) {
                              c.architecture = "ExaoneForCausalLM";
                              c.modelType = "exaone";
                              c.ropeScaling = model::RopeScaling{"llama3", 8.0, 1.0, 4.0, 64};
                          },
                          {});
}

QString storiesExaone4(const StoriesFixture& stories, const QString& dir, bool hybrid)
{
    at::manual_seed(17);
    model::NamedTensors norms;
    for (int i = 0; i < 5; ++i) {
        const std::string p = "model.layers." + std::to_string(i) + ".";
        for (const char* which : {"q_norm", "k_norm"})
            norms.emplace_back(p + "self_attn." + which + ".weight", 1.0 + at::randn({8}, at::kFloat) * 0.3);
        // Post-norms scale each sub-layer's output to unit RMS: small weights keep the residual stream, which the
        // pre-norm weights were trained on, in range.
        norms.emplace_back(p + "post_feedforward_layernorm.weight", 0.3 + at::randn({64}, at::kFloat) * 0.05);
    }
    return storiesVariant(
        stories, dir, hybrid ? "stories-exaone4-hybrid" : "stories-exaone4",
        [hybrid](model::ModelConfig& c) {
            c.architecture = "Exaone4ForCausalLM";
            c.modelType = "exaone4";
            c.qkNorm = c.postNorm = true;
            if (hybrid) {
                c.slidingWindow = 16;
                c.slidingLayers = {true, true, false, true, false};
            }
        },
        norms);
}

QString storiesLlama3Rope(const StoriesFixture& stories, const QString& dir)
{
    return storiesVariant(stories, dir, "stories-llama3-rope",
                          [](model::ModelConfig& c) {
                              c.ropeScaling = model::RopeScaling{"llama3", 8.0, 1.0, 4.0, 64};
                          },
                          {});
}

}  // namespace lathe::test
