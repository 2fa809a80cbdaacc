#include "runtime/LoadedModel.h"

#include "compiled/CompiledModelFile.h"
#include "compiled/StoredTokenizer.h"
#include "export/EmbeddingTable.h"
#include "model/Checkpoint.h"
#include "model/TensorLayout.h"
#include "runtime/CompiledProjections.h"
#include "runtime/GenerationLoop.h"

#include <filesystem>

namespace lathe::runtime {
namespace {

namespace fs = std::filesystem;

// The tokenizer engines load from files, so the stored files are put back into a folder for the load only; the
// chat template is read from the same folder.
Result<void> loadStoredTokenizer(const compiled::CompiledModelFile& file, LoadedModel& loaded)
{
    auto folder = compiled::extractTokenizerFiles(file);
    if (!folder) return folder.error();
    auto tokenizer = tokenize::Tokenizer::load(folder->path());
    if (!tokenizer) return tokenizer.error().withContext("loading the tokenizer stored in " + file.path());
    loaded.tokenizer = std::move(tokenizer).value();
    auto chatTemplate = tokenize::ChatTemplateSource::find(folder->path());
    if (!chatTemplate && chatTemplate.error().code == ErrorCode::NotFound)
        chatTemplate = makeError(chatTemplate.error().code,
                                 "the compiled model " + file.path() +
                                     " stores no chat template (its model has none, or it was compiled before Lathe "
                                     "stored chat_template.jinja)");
    else if (chatTemplate)
        chatTemplate->origin = file.path() + " (" + fs::path(chatTemplate->origin).filename().string() + ")";
    loaded.chatTemplate = std::move(chatTemplate);
    if (auto tokens = tokenize::ChatTemplateSource::specialTokens(folder->path())) loaded.specialTokensJson = *tokens;
    // The end-of-turn ids generation_config.json lists (a container made before Lathe stored it has none: such a
    // model stops at config.json's eos ids and the tokenizer's EOS).
    auto generationConfig = readGenerationConfig(folder->path());
    if (!generationConfig) return generationConfig.error().withContext("reading the files stored in " + file.path());
    loaded.generationConfigJson = std::move(*generationConfig);
    loaded.generationConfigPath = file.path() + " (generation_config.json)";
    return {};
}

std::string shapeText(int64_t a, int64_t b)
{
    return "[" + std::to_string(a) + ", " + std::to_string(b) + "]";
}

}  // namespace

Result<LoadedModel> loadCompiledModel(const std::string& mxqPath, const std::string& embeddingPath,
                                      const ProgressFn& progress, const StopToken& stop)
{
    if (embeddingPath.empty())
        return makeError(ErrorCode::InvalidArgument,
                         "a compiled model needs its input embedding: pass --embedding-weight-path (the embedding.pt "
                         "of the model, or the rotated embedding `lathe compile` wrote for rotated modes)");
    auto file = compiled::CompiledModelFile::open(mxqPath);
    if (!file) return file.error();
    return guarded<LoadedModel>("loading compiled model " + mxqPath, [&]() -> Result<LoadedModel> {
        const compiled::CompiledModelFile& model = **file;
        const model::ModelConfig& config = model.config();
        const bool rotated = model.info().embeddingRotated;
        const std::string rotationHint =
            rotated ? " This model was compiled with an R1 rotation: pass the rotated embedding `lathe compile` wrote "
                      "(embedding_rotated.pt by default), not the model's plain embedding.pt."
                    : "";

        auto embedding = exports::EmbeddingTable::load(embeddingPath);
        if (!embedding) return embedding.error().withContext("loading the embedding for " + mxqPath);
        if (embedding->vocabSize() != config.vocabSize || embedding->hiddenSize() != config.hiddenSize)
            return makeError(ErrorCode::InvalidArgument,
                             "the embedding " + embeddingPath + " is " +
                                 shapeText(embedding->vocabSize(), embedding->hiddenSize()) + " but the compiled model " +
                                 mxqPath + " needs [vocab_size, hidden_size] = " +
                                 shapeText(config.vocabSize, config.hiddenSize) +
                                 "; the embedding belongs to another model." + rotationHint);

        LoadedModel loaded;
        loaded.directory = mxqPath;
        LATHE_TRY(loadStoredTokenizer(model, loaded));
        if (loaded.tokenizer->vocabSize() > config.vocabSize)
            return makeError(ErrorCode::Corrupt, "the tokenizer stored in " + mxqPath + " has " +
                                                     std::to_string(loaded.tokenizer->vocabSize()) +
                                                     " tokens but the model's vocab_size is " +
                                                     std::to_string(config.vocabSize));

        model::DecoderWeights weights;
        weights.embedTokens = embedding->weights();
        weights.layers.resize(static_cast<size_t>(config.numLayers));
        const auto norms = model::layerNormTensors(config);
        for (int i = 0; i < config.numLayers; ++i) {
            for (const auto& norm : norms) {
                auto tensor = model.floatTensor(model::layerTensorName(i, norm.name));
                if (!tensor) return tensor.error();
                *model::layerTensor(weights.layers[static_cast<size_t>(i)], norm.name) = std::move(tensor).value();
            }
        }
        auto finalNorm = model.floatTensor("model.norm.weight");
        if (!finalNorm) return finalNorm.error();
        weights.finalNorm = std::move(finalNorm).value();

        auto projections = CompiledProjections::load(model, progress, stop);
        if (!projections) return projections.error();
        loaded.decoder = std::make_unique<model::Decoder>(config, std::move(weights), std::move(projections).value());
        return loaded;
    });
}

Result<LoadedModel> loadModelForRun(const std::string& modelPath, const std::string& mxqPath,
                                    const std::string& embeddingPath, const ProgressFn& progress,
                                    const StopToken& stop)
{
    if (!mxqPath.empty()) return loadCompiledModel(mxqPath, embeddingPath, progress, stop);
    if (modelPath.empty())
        return makeError(ErrorCode::InvalidArgument,
                         "no model given: pass --model-path (a float model) or --mxq-path with --embedding-weight-path "
                         "(a compiled model)");
    if (!embeddingPath.empty())
        return makeError(ErrorCode::InvalidArgument,
                         "--embedding-weight-path is only used with --mxq-path (a compiled model)");
    return loadFloatModel(modelPath, progress, stop);
}

}  // namespace lathe::runtime
