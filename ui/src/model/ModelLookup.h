#pragma once

#include "lathe/common/Progress.h"
#include "lathe/common/Result.h"
#include "lathe/hub/HubConfig.h"
#include "lathe/hub/HubTypes.h"
#include "lathe/model/ModelConfig.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

// Core calls the model page runs on worker threads, bundled so each worker does one round trip.
namespace lathe::ui {

// A Hub repo at a revision, with what the local cache already holds of it.
struct HubModelDetails {
    hub::ModelInfo info;
    std::string endpoint;                     // for the "request access" link
    std::int64_t totalBytes = 0;              // sum of the file sizes the Hub lists (-1 when some are unknown)
    std::string cachedSnapshot;               // snapshots/<commit> for info.sha, empty when not cached
    std::optional<model::ModelConfig> cachedConfig;  // its config.json, when it reads
    std::string cachedConfigError;
};

// A model folder on disk.
struct LocalModelDetails {
    std::string directory;
    std::int64_t parameterCount = 0;
    std::int64_t bytesOnDisk = 0;  // every file in the folder
    std::optional<model::ModelConfig> config;
};

// A completed (or already cached) download and the config.json it contains.
struct DownloadedModel {
    hub::DownloadResult download;
    std::optional<model::ModelConfig> config;
    std::string configError;  // e.g. an unsupported architecture, to flag on the page
};

// Searches, then fetches info at `revision` and looks the resolved commit up in the cache.
Result<std::vector<hub::ModelSummary>> searchHubModels(const hub::HubConfig& config, const std::string& text, int limit,
                                                       const StopToken& stop);
Result<HubModelDetails> fetchHubModelDetails(const hub::HubConfig& config, const std::string& repoId,
                                             const std::string& revision, const StopToken& stop);
// Looks `repoId@revision` up in the cache only (no network): a project reopened later finds its model.
Result<DownloadedModel> findCachedModel(const hub::HubConfig& config, const std::string& repoId,
                                        const std::string& revision);
Result<LocalModelDetails> inspectLocalModel(const std::string& directory, const StopToken& stop);
Result<DownloadedModel> downloadHubModel(const hub::HubConfig& config, const std::string& repoId,
                                         const std::string& revision,
                                         const std::function<void(const hub::DownloadProgress&)>& onProgress,
                                         const StopToken& stop);

bool isSupportedArchitecture(const std::string& architecture);

}  // namespace lathe::ui
