#include "runtime/LoadedModel.h"

#include "lathe/model/ModelPath.h"
#include "model/Checkpoint.h"
#include "runtime/GenerationLoop.h"

#include <filesystem>

namespace lathe::runtime {

Result<LoadedModel> loadFloatModel(const std::string& modelPath, const ProgressFn& progress, const StopToken& stop)
{
    auto dir = model::resolveModelPath(modelPath);
    if (!dir) return dir.error();
    return guarded<LoadedModel>("loading model " + *dir, [&]() -> Result<LoadedModel> {
        LoadedModel model;
        model.directory = *dir;
        auto tokenizer = tokenize::Tokenizer::load(*dir);
        if (!tokenizer) return tokenizer.error().withContext("loading the tokenizer of " + *dir);
        model.tokenizer = std::move(tokenizer).value();
        model.chatTemplate = tokenize::ChatTemplateSource::find(*dir);
        // The tokenizer has read tokenizer_config.json already, so this cannot meet a new error.
        if (auto tokens = tokenize::ChatTemplateSource::specialTokens(*dir)) model.specialTokensJson = *tokens;
        auto generationConfig = readGenerationConfig(*dir);
        if (!generationConfig) return generationConfig.error();
        model.generationConfigJson = std::move(*generationConfig);
        model.generationConfigPath = (std::filesystem::path(*dir) / "generation_config.json").string();

        auto checkpoint = model::Checkpoint::open(*dir);
        if (!checkpoint) return checkpoint.error().withContext("opening model " + *dir);
        const model::ModelConfig& config = (*checkpoint)->config();
        if (model.tokenizer->vocabSize() > config.vocabSize)
            return makeError(ErrorCode::Corrupt, "the tokenizer in " + *dir + " has " +
                                                     std::to_string(model.tokenizer->vocabSize()) +
                                                     " tokens but the model's vocab_size is " +
                                                     std::to_string(config.vocabSize) +
                                                     "; the tokenizer does not belong to this model");
        auto weights = loadDecoderWeights(config, model::checkpointSource(**checkpoint), progress, stop);
        if (!weights) return weights.error().withContext("loading weights from " + *dir);
        model.decoder = std::make_unique<model::Decoder>(config, std::move(weights).value());
        return model;
    });
}

}  // namespace lathe::runtime
