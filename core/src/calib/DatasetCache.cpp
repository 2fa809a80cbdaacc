#include "calib/DatasetCache.h"

#include "common/AtomicFileWriter.h"
#include "common/FileIo.h"
#include "common/PathUtil.h"
#include "lathe/hub/HubToken.h"

#include <nlohmann/json.hpp>

#include <system_error>

namespace fs = std::filesystem;

namespace lathe::calib {

namespace {

using json = nlohmann::json;

std::string datasetFolderName(const std::string& repoId)
{
    std::string out = "datasets";
    std::size_t start = 0;
    for (;;) {
        const auto slash = repoId.find('/', start);
        out += "--" + repoId.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
        if (slash == std::string::npos) return out;
        start = slash + 1;
    }
}

Result<void> writeCacheFile(const fs::path& path, std::string_view bytes)
{
    std::error_code ec;
    fs::create_directories(path.parent_path(), ec);
    if (ec)
        return makeError(ErrorCode::Io, "cannot create the dataset cache folder " + fromPath(path.parent_path()) +
                                            ": " + ec.message());
    return writeFileAtomically(fromPath(path), bytes);
}

bool readCacheFile(const fs::path& path, std::string& out)
{
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) return false;
    auto bytes = readWholeFile(fromPath(path));
    if (!bytes) return false;
    out = std::move(*bytes);
    return true;
}

}  // namespace

DatasetCache::DatasetCache(const hub::HubConfig& config, const std::string& repoId, const fs::path& root)
    : m_hub(config), m_repo(m_hub, repoId), m_folder(root / datasetFolderName(repoId))
{
}

fs::path DatasetCache::defaultRoot()
{
    return toPath(hub::hfHomeDirectory()) / "lathe" / "datasets";
}

Error DatasetCache::offlineMiss(const std::string& what) const
{
    return makeError(ErrorCode::NotFound, what + " of " + m_repo.repoId() + " is not in the dataset cache (" +
                                              fromPath(m_folder) +
                                              ") and offline mode is on (HF_HUB_OFFLINE=1): run once online with "
                                              "the same settings to fill the cache");
}

Result<std::string> DatasetCache::resolveCommit(const std::string& revision, const StopToken& stop)
{
    if (isCommitHash(revision)) return revision;
    if (!isSafeRelativePath(revision))
        return makeError(ErrorCode::InvalidArgument, "dataset revision '" + revision + "' is not a valid name");
    const fs::path ref = m_folder / "refs" / toPath(revision);
    auto cached = [&]() -> std::optional<std::string> {
        std::string text;
        if (!readCacheFile(ref, text) || !isCommitHash(text)) return std::nullopt;
        return text;
    };
    if (offline()) {
        if (auto c = cached()) return *c;
        return offlineMiss("revision '" + revision + "'");
    }
    auto commit = m_repo.resolveCommit(revision, stop);
    if (!commit) {
        // The Hub cannot be reached: what an earlier run cached for this revision is still exact.
        if (commit.error().code == ErrorCode::Network)
            if (auto c = cached()) return *c;
        return commit.error();
    }
    LATHE_TRY(writeCacheFile(ref, *commit));
    return *commit;
}

Result<std::vector<hub::RepoFile>> DatasetCache::listFolder(const std::string& commit, const std::string& folder,
                                                            const StopToken& stop)
{
    if (!isSafeRelativePath(folder))
        return makeError(ErrorCode::InvalidArgument, "'" + folder + "' is not a valid dataset folder name");
    const fs::path file = m_folder / "trees" / commit / toPath(folder + ".json");
    std::string text;
    if (readCacheFile(file, text)) {
        try {
            std::vector<hub::RepoFile> files;
            for (const auto& e : json::parse(text)) {
                hub::RepoFile f;
                f.path = e.at("path").get<std::string>();
                f.size = e.at("size").get<std::int64_t>();
                f.blobId = e.value("oid", "");
                f.lfsSha256 = e.value("sha256", "");
                if (!isSafeRelativePath(f.path)) throw std::runtime_error("unsafe path " + f.path);
                files.push_back(std::move(f));
            }
            return files;
        } catch (const std::exception&) {
            // A damaged cache entry is refetched below (or reported offline).
        }
    }
    if (offline()) return offlineMiss("the file list of '" + folder + "'");
    auto files = m_repo.listFolder(commit, folder, stop);
    if (!files) return files.error();
    json out = json::array();
    for (const auto& f : *files) out.push_back({{"path", f.path}, {"size", f.size}, {"oid", f.blobId}, {"sha256", f.lfsSha256}});
    LATHE_TRY(writeCacheFile(file, out.dump(1)));
    return files;
}

Result<std::string> DatasetCache::readRange(const std::string& commit, const std::string& path, std::int64_t offset,
                                            std::int64_t length, const StopToken& stop)
{
    if (!isSafeRelativePath(path))
        return makeError(ErrorCode::InvalidArgument, "'" + path + "' is not a valid dataset file name");
    const fs::path file =
        m_folder / "ranges" / commit / toPath(path) / (std::to_string(offset) + "-" + std::to_string(length));
    std::string bytes;
    if (readCacheFile(file, bytes) && static_cast<std::int64_t>(bytes.size()) == length) {
        m_bytesFromCache += length;
        return bytes;
    }
    if (offline())
        return offlineMiss("bytes " + std::to_string(offset) + "+" + std::to_string(length) + " of '" + path + "'");
    auto fetched = m_repo.readRange(commit, path, offset, length, stop);
    if (!fetched) return fetched.error();
    LATHE_TRY(writeCacheFile(file, *fetched));
    return fetched;
}

}  // namespace lathe::calib
