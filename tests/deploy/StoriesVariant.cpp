#include "StoriesVariant.h"

#include "model/Checkpoint.h"

#include <QDir>
#include <QFile>

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

QString storiesLlama3Rope(const StoriesFixture& stories, const QString& dir)
{
    return storiesVariant(stories, dir, "stories-llama3-rope",
                          [](model::ModelConfig& c) {
                              c.ropeScaling = model::RopeScaling{"llama3", 8.0, 1.0, 4.0, 64};
                          },
                          {});
}

}  // namespace lathe::test
