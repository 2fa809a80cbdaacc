#include "hub/CacheLayout.h"

#include "common/AtomicFileWriter.h"
#include "common/FileIo.h"
#include "common/PathUtil.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <string>
#include <system_error>

namespace fs = std::filesystem;

namespace lathe::hub::detail {

namespace {

constexpr std::size_t kCopyChunkBytes = 1 << 20;

}  // namespace

std::string repoFolderName(const std::string& repoId)
{
    std::string out = "models";
    std::size_t start = 0;
    while (start <= repoId.size()) {
        const auto end = repoId.find('/', start);
        out += "--" + repoId.substr(start, end == std::string::npos ? std::string::npos : end - start);
        if (end == std::string::npos) break;
        start = end + 1;
    }
    return out;
}

CacheLayout::CacheLayout(const fs::path& cacheDir, const std::string& repoId)
    : m_cacheDir(cacheDir), m_folder(repoFolderName(repoId)), m_repoDir(cacheDir / m_folder)
{
}

fs::path CacheLayout::blobPath(const std::string& etag) const { return m_repoDir / "blobs" / etag; }

fs::path CacheLayout::incompletePath(const std::string& etag) const
{
    return m_repoDir / "blobs" / (etag + ".incomplete");
}

fs::path CacheLayout::lockPath(const std::string& etag) const
{
    return m_cacheDir / ".locks" / m_folder / (etag + ".lock");
}

fs::path CacheLayout::snapshotDir(const std::string& commit) const { return m_repoDir / "snapshots" / commit; }

fs::path CacheLayout::pointerPath(const std::string& commit, const std::string& repoPath) const
{
    return snapshotDir(commit) / toPath(repoPath);
}

fs::path CacheLayout::refPath(const std::string& revision) const { return m_repoDir / "refs" / toPath(revision); }

std::optional<std::string> CacheLayout::readRef(const std::string& revision) const
{
    if (isCommitHash(revision)) return revision;
    if (!isSafeRelativePath(revision)) return std::nullopt;
    auto read = readWholeFile(fromPath(refPath(revision)));
    if (!read) return std::nullopt;
    std::string content = std::move(*read);
    while (!content.empty() && (content.back() == '\n' || content.back() == '\r' || content.back() == ' '))
        content.pop_back();
    if (!isCommitHash(content)) return std::nullopt;
    return content;
}

Result<void> CacheLayout::writeRef(const std::string& revision, const std::string& commit) const
{
    if (revision == commit) return {};
    if (!isSafeRelativePath(revision))
        return makeError(ErrorCode::InvalidArgument, "revision '" + revision + "' cannot be stored as a ref");
    if (auto written = writeFileAtomically(fromPath(refPath(revision)), commit, {.createFolders = true}); !written)
        return makeError(ErrorCode::Io, "writing the cache ref: " + written.error().message);
    return {};
}

Result<void> CacheLayout::linkPointer(const std::string& commit, const std::string& repoPath, const std::string& etag,
                                      bool blobIsNew, bool disableSymlinks) const
{
    const fs::path pointer = pointerPath(commit, repoPath);
    const fs::path blob = blobPath(etag);
    std::error_code ec;
    fs::create_directories(pointer.parent_path(), ec);
    if (ec) return makeError(ErrorCode::Io, "cannot create " + fromPath(pointer.parent_path()) + ": " + ec.message());
    if (!disableSymlinks) {
        fs::path target;
        const auto depth = std::count(repoPath.begin(), repoPath.end(), '/');
        for (long i = 0; i < depth + 2; ++i) target /= "..";
        target = target / "blobs" / etag;
        // Made under a unique name and renamed over the pointer: another process placing the same pointer at the
        // same time (two downloads of one model) can then neither make this fail nor see the pointer missing.
        const fs::path tmp = toPath(uniqueTemporaryName(fromPath(pointer)));
        fs::create_symlink(target, tmp, ec);
        if (!ec) {
            fs::rename(tmp, pointer, ec);
            if (!ec) return {};
            std::error_code ignored;
            fs::remove(tmp, ignored);
        }
    }
    if (fs::is_symlink(fs::symlink_status(pointer, ec)) || fs::exists(pointer, ec)) fs::remove(pointer, ec);
    // No symlinks here (Windows without Developer Mode, some network drives, or disabled): keep a real file.
    if (blobIsNew) {
        fs::rename(blob, pointer, ec);
        if (!ec) return {};
    }
    // A copy of a shared blob, written like every other file: complete under its name or not there at all.
    const auto size = fs::file_size(blob, ec);
    if (ec) return makeError(ErrorCode::Io, "cannot place " + fromPath(pointer) + ": " + ec.message());
    auto copy = AtomicFileWriter::create(fromPath(pointer));
    if (!copy) return copy.error().withContext("cannot place " + fromPath(pointer));
    auto copied = copy->copyRange(fromPath(blob), 0, size, kCopyChunkBytes, [](uint64_t) { return Result<void>(); });
    if (copied) copied = copy->commit();
    if (!copied) return copied.error().withContext("cannot place " + fromPath(pointer));
    return {};
}

bool CacheLayout::snapshotLooksComplete(const std::string& commit) const
{
    const fs::path snap = snapshotDir(commit);
    std::error_code ec;
    if (!fs::exists(snap / "config.json", ec)) return false;
    const fs::path index = snap / "model.safetensors.index.json";
    if (!fs::exists(index, ec)) return fs::exists(snap / "model.safetensors", ec);
    auto text = readWholeFile(fromPath(index));
    if (!text) return false;
    try {
        const auto j = nlohmann::json::parse(*text);
        for (const auto& [name, file] : j.at("weight_map").items()) {
            const std::string f = file.get<std::string>();
            if (!isSafeRelativePath(f) || !fs::exists(snap / toPath(f), ec)) return false;
        }
    } catch (const std::exception&) {
        return false;
    }
    return true;
}

}  // namespace lathe::hub::detail
