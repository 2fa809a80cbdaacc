#pragma once
// Private to core.

#include "lathe/common/Result.h"

#include <filesystem>

namespace lathe {

// A folder written beside its target (`<parent>/.<name>.partial-<pid>`) and moved into place only when complete,
// so that a run that fails, is cancelled or runs out of disk space leaves the target as it was. Removed with
// everything in it unless committed. The caller serialises writers of one target (FileLock).
class StagingFolder {
public:
    // Creates the folder (and the target's parent). Errors: Io naming the folder.
    static Result<StagingFolder> create(const std::filesystem::path& target);
    StagingFolder(StagingFolder&& other) noexcept : m_path(std::move(other.m_path)) { other.m_path.clear(); }
    StagingFolder& operator=(StagingFolder&&) = delete;
    StagingFolder(const StagingFolder&) = delete;
    ~StagingFolder();

    const std::filesystem::path& path() const { return m_path; }

    // How commit treats entries of an existing target that the staged folder does not have.
    enum class OldEntries { Drop, Keep };

    // Moves the folder to `target`. An existing target is moved aside first and removed once the new one is in
    // place; with OldEntries::Keep its entries the staged folder lacks are moved over (a calibration of one language
    // keeps the other languages' folders). Errors: Io, the target left as it was.
    Result<void> commit(const std::filesystem::path& target, OldEntries old = OldEntries::Drop);

private:
    explicit StagingFolder(std::filesystem::path path) : m_path(std::move(path)) {}
    std::filesystem::path m_path;
};

}  // namespace lathe
