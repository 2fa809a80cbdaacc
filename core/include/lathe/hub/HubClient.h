#pragma once

#include "lathe/common/Progress.h"
#include "lathe/common/Result.h"
#include "lathe/hub/HubConfig.h"
#include "lathe/hub/HubToken.h"
#include "lathe/hub/HubTypes.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace lathe::hub {

// A Hugging Face Hub client over libcurl. One instance is used from one thread at a time; create one per
// worker thread. Every call returns an Error (Auth/NotFound/Network/Io/Cancelled...) whose message says
// what to do; the token never appears in messages or logs and is sent only to the configured endpoint.
class HubClient {
public:
    explicit HubClient(HubConfig config = HubConfig::fromEnvironment());
    ~HubClient();
    HubClient(const HubClient&) = delete;
    HubClient& operator=(const HubClient&) = delete;

    const HubConfig& config() const;
    // The token requests carry (config.token, else findToken()); empty when anonymous.
    const std::optional<HubToken>& token() const;

    // Validates `token` (or the client's token when empty) with GET /api/whoami-v2. Results are cached
    // per token for the lifetime of the process, since the Hub rate-limits this call strictly.
    Result<WhoAmI> whoami(const std::string& token = {});

    // GET /api/models, following `Link: rel="next"` pages until `limit` hits.
    Result<std::vector<ModelSummary>> searchModels(const SearchQuery& query, const StopToken& stop = {});

    // Model metadata at a revision, with file sizes and LFS hashes, and `access` from auth-check.
    Result<ModelInfo> modelInfo(const std::string& repoId, const std::string& revision = "main",
                                const StopToken& stop = {});
    Result<Access> checkAccess(const std::string& repoId, const StopToken& stop = {});

    // Downloads what is needed to run the model (config, generation config, tokenizer files, safetensors
    // shards and index) into the HF cache layout and returns the snapshot directory. Resumes partial files,
    // verifies size and sha256, locks each blob against other processes, and makes no request at all when
    // `revision` is a commit whose snapshot is complete. Cancellation leaves a resumable partial file.
    Result<DownloadResult> downloadModel(const std::string& repoId, const std::string& revision,
                                         const DownloadOptions& options, const ProgressFn& progress,
                                         const StopToken& stop);

    class Impl;

private:
    std::unique_ptr<Impl> m_impl;
};

// Convenience wrapper: a client configured from the environment; `cacheDir` empty = default cache.
Result<DownloadResult> downloadModel(const std::string& repoId, const std::string& revision,
                                     const std::string& cacheDir, const ProgressFn& progress,
                                     const StopToken& stop);

}  // namespace lathe::hub
