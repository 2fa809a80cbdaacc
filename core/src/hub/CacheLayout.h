#pragma once

#include "lathe/common/Result.h"

#include <filesystem>
#include <optional>
#include <string>

namespace lathe::hub::detail {

// The huggingface_hub cache layout for one model repo:
//   <cache>/models--Org--Name/{refs/<rev>, blobs/<etag>, snapshots/<commit>/<path>}
//   <cache>/.locks/models--Org--Name/<etag>.lock
class CacheLayout {
public:
    CacheLayout(const std::filesystem::path& cacheDir, const std::string& repoId);

    const std::filesystem::path& repoDir() const { return m_repoDir; }
    std::filesystem::path blobPath(const std::string& etag) const;
    std::filesystem::path incompletePath(const std::string& etag) const;
    std::filesystem::path lockPath(const std::string& etag) const;
    std::filesystem::path snapshotDir(const std::string& commit) const;
    std::filesystem::path pointerPath(const std::string& commit, const std::string& repoPath) const;
    std::filesystem::path refPath(const std::string& revision) const;

    // refs/<revision>, read as Python does (the whole file); nullopt when missing or not a commit.
    std::optional<std::string> readRef(const std::string& revision) const;
    // Written through a temporary file, 40 hex digits and no newline (a newline breaks Python, #4133).
    Result<void> writeRef(const std::string& revision, const std::string& commit) const;

    // The relative symlink ../../blobs/<etag> (one more ../ per folder level of repoPath), or, where
    // symlinks are impossible or disabled, the blob moved (new) or copied (shared) into the snapshot.
    Result<void> linkPointer(const std::string& commit, const std::string& repoPath, const std::string& etag,
                             bool blobIsNew, bool disableSymlinks) const;

    // The snapshot has config.json and every weight file the safetensors index names (or model.safetensors).
    bool snapshotLooksComplete(const std::string& commit) const;

private:
    std::filesystem::path m_cacheDir;
    std::string m_folder;
    std::filesystem::path m_repoDir;
};

std::string repoFolderName(const std::string& repoId);  // "models--Org--Name"

}  // namespace lathe::hub::detail
