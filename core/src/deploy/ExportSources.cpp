#include "deploy/ExportSources.h"

#include "compiled/StoredTokenizer.h"
#include "export/EmbeddingTable.h"
#include "lathe/model/ModelPath.h"

#include <filesystem>

namespace lathe::deploy {

namespace fs = std::filesystem;

Result<ExportSources> openExportSources(const std::string& compiledPath, const std::string& embeddingPath,
                                        const std::string& modelPath, const std::string& embeddingHint,
                                        const ProgressFn& progress)
{
    if (embeddingPath.empty())
        return makeError(ErrorCode::InvalidArgument,
                         "pass --embedding-weight-path: the model's embedding.pt, or the rotated one `lathe compile` "
                         "wrote for rotated modes (" +
                             embeddingHint + ")");
    if (progress) progress({"export", "reading " + compiledPath, 0, 0, "tensors"});
    auto opened = compiled::CompiledModelFile::open(compiledPath);
    if (!opened) return opened.error();
    const model::ModelConfig& config = (*opened)->config();
    if (progress) progress({"export", "reading " + embeddingPath, 0, 0, "tensors"});
    auto embedding = exports::EmbeddingTable::load(embeddingPath);
    if (!embedding) return embedding.error();
    if (embedding->vocabSize() != config.vocabSize || embedding->hiddenSize() != config.hiddenSize)
        return makeError(ErrorCode::Corrupt,
                         "the embedding " + embeddingPath + " is [" + std::to_string(embedding->vocabSize()) + ", " +
                             std::to_string(embedding->hiddenSize()) + "] but " + compiledPath + " needs [" +
                             std::to_string(config.vocabSize) + ", " + std::to_string(config.hiddenSize) +
                             "]; the embedding belongs to another model" +
                             ((*opened)->info().embeddingRotated
                                  ? " (this model was compiled with a rotation: pass the rotated embedding)"
                                  : ""));
    auto folder = compiled::extractTokenizerFiles(**opened);
    if (!folder) return folder.error();
    std::string modelDir;
    if (!modelPath.empty()) {
        auto dir = model::resolveModelPath(modelPath);
        if (!dir) return dir.error();
        modelDir = *dir;
    }
    return ExportSources{std::move(opened).value(), embedding->weights(), std::move(folder).value(),
                         std::move(modelDir)};
}

Result<FileLock> lockExportFolder(const fs::path& target)
{
    const fs::path parent = fs::absolute(target).lexically_normal().parent_path();
    std::error_code ec;
    fs::create_directories(parent, ec);
    if (ec) return makeError(ErrorCode::Io, "cannot create " + parent.string() + ": " + ec.message());
    return FileLock::tryLock(parent.string(), "another export is writing into " + parent.string() +
                                                  "; wait for it to finish, or choose another folder");
}

Result<void> copyModelFile(const ExportSources& sources, const std::string& fileName, const std::string& folder)
{
    if (sources.modelDir.empty()) return {};
    std::error_code ec;
    const fs::path from = fs::path(sources.modelDir) / fileName;
    if (!fs::exists(from, ec)) return {};
    fs::copy_file(from, fs::path(folder) / fileName, fs::copy_options::overwrite_existing, ec);
    if (ec) return makeError(ErrorCode::Io, "cannot copy " + from.string() + " to " + folder + ": " + ec.message());
    return {};
}

}  // namespace lathe::deploy
