#pragma once

#include "hub/DatasetRepo.h"
#include "hub/HubClientImpl.h"
#include "lathe/hub/HubConfig.h"
#include "lathe/hub/HubTypes.h"

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace lathe::calib {

// A dataset repo read through a local cache of exactly the bytes that were read, so a second run needs no
// network (and works with HF_HUB_OFFLINE=1). Everything is keyed by commit, so cached bytes never go stale:
//   <root>/datasets--Org--Name/refs/<revision>                  the commit (written when online)
//   <root>/datasets--Org--Name/trees/<commit>/<folder>.json     folder listings
//   <root>/datasets--Org--Name/ranges/<commit>/<path>/<offset>-<length>   byte ranges of files
// Files are written under temporary names and renamed. Offline, anything missing is a NotFound error that
// says to run once online.
class DatasetCache {
public:
    DatasetCache(const hub::HubConfig& config, const std::string& repoId, const std::filesystem::path& root);

    bool offline() const { return m_hub.config.offline; }
    const std::string& repoId() const { return m_repo.repoId(); }
    std::filesystem::path repoFolder() const { return m_folder; }

    Result<std::string> resolveCommit(const std::string& revision, const StopToken& stop);
    Result<std::vector<hub::RepoFile>> listFolder(const std::string& commit, const std::string& folder,
                                                  const StopToken& stop);
    Result<std::string> readRange(const std::string& commit, const std::string& path, std::int64_t offset,
                                  std::int64_t length, const StopToken& stop);

    std::int64_t bytesFetched() const { return m_repo.bytesReceived(); }
    std::int64_t bytesFromCache() const { return m_bytesFromCache; }

    // Default root: $HF_HOME/lathe/datasets (beside, not inside, the huggingface_hub cache whose folders
    // must hold complete files only).
    static std::filesystem::path defaultRoot();

private:
    Error offlineMiss(const std::string& what) const;

    hub::HubClient::Impl m_hub;
    hub::detail::DatasetRepo m_repo;
    std::filesystem::path m_folder;
    std::int64_t m_bytesFromCache = 0;
};

}  // namespace lathe::calib
