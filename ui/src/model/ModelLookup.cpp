#include "model/ModelLookup.h"

#include "lathe/hub/HubClient.h"
#include "lathe/hub/ModelLocator.h"
#include "lathe/model/Inspect.h"

#include <algorithm>
#include <filesystem>

namespace lathe::ui {

namespace fs = std::filesystem;

Result<std::vector<hub::ModelSummary>> searchHubModels(const hub::HubConfig& config, const std::string& text, int limit,
                                                       const StopToken& stop)
{
    hub::HubClient client(config);
    hub::SearchQuery query;
    query.search = text;
    query.limit = limit;
    return client.searchModels(query, stop);
}

Result<HubModelDetails> fetchHubModelDetails(const hub::HubConfig& config, const std::string& repoId,
                                             const std::string& revision, const StopToken& stop)
{
    hub::HubClient client(config);
    auto info = client.modelInfo(repoId, revision, stop);
    if (!info) return info.error();
    HubModelDetails details;
    details.info = std::move(info.value());
    details.endpoint = client.config().endpoint;
    for (const hub::RepoFile& f : details.info.files) {
        if (f.size < 0) {
            details.totalBytes = -1;
            break;
        }
        details.totalBytes += f.size;
    }
    if (!details.info.sha.empty()) {
        auto cached = hub::resolveModelDirectory(repoId, details.info.sha, client.config().cacheDir);
        if (cached) {
            details.cachedSnapshot = *cached;
            auto modelConfig = model::loadModelConfig(*cached);
            if (modelConfig)
                details.cachedConfig = std::move(modelConfig.value());
            else
                details.cachedConfigError = modelConfig.error().message;
        }
    }
    return details;
}

Result<DownloadedModel> findCachedModel(const hub::HubConfig& config, const std::string& repoId,
                                        const std::string& revision)
{
    auto dir = hub::resolveModelDirectory(repoId, revision, config.cacheDir);
    if (!dir) return dir.error();
    DownloadedModel model;
    model.download.snapshotDir = *dir;
    model.download.commit = fs::path(*dir).filename().string();
    auto modelConfig = model::loadModelConfig(*dir);
    if (modelConfig)
        model.config = std::move(modelConfig.value());
    else
        model.configError = modelConfig.error().message;
    return model;
}

Result<LocalModelDetails> inspectLocalModel(const std::string& directory, const StopToken& stop)
{
    std::error_code ec;
    if (!fs::is_directory(directory, ec))
        return makeError(ErrorCode::NotFound, directory +
                                                  " is not a folder: choose a Hugging Face model folder "
                                                  "(config.json, *.safetensors, tokenizer files)");
    auto summary = model::inspectModel(directory);
    if (!summary) return summary.error();
    LocalModelDetails details;
    details.directory = directory;
    details.parameterCount = summary->parameterCount;
    details.config = summary->config;
    for (auto it = fs::recursive_directory_iterator(directory, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
        if (stop.stopRequested()) return makeError(ErrorCode::Cancelled, "cancelled");
        std::error_code sizeError;
        if (it->is_regular_file(sizeError)) details.bytesOnDisk += static_cast<std::int64_t>(it->file_size(sizeError));
    }
    return details;
}

Result<DownloadedModel> downloadHubModel(const hub::HubConfig& config, const std::string& repoId,
                                         const std::string& revision,
                                         const std::function<void(const hub::DownloadProgress&)>& onProgress,
                                         const StopToken& stop)
{
    hub::HubClient client(config);
    hub::DownloadOptions options;
    options.onProgress = onProgress;
    auto result = client.downloadModel(repoId, revision, options, {}, stop);
    if (!result) return result.error();
    DownloadedModel model;
    model.download = std::move(result.value());
    auto modelConfig = model::loadModelConfig(model.download.snapshotDir);
    if (modelConfig)
        model.config = std::move(modelConfig.value());
    else
        model.configError = modelConfig.error().message;
    return model;
}

bool isSupportedArchitecture(const std::string& architecture)
{
    const auto names = model::supportedArchitectures();
    return std::find(names.begin(), names.end(), architecture) != names.end();
}

}  // namespace lathe::ui
