// HubClient::Impl::download: the whole-model download (what to fetch, cache reuse, offline fallback).
#include "common/FileIo.h"
#include "common/PathUtil.h"
#include "hub/BlobDownloader.h"
#include "hub/CacheLayout.h"
#include "hub/HubClientImpl.h"
#include "hub/ProgressMeter.h"
#include "lathe/hub/ModelLocator.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <set>
#include <system_error>

namespace fs = std::filesystem;

namespace lathe::hub {

using detail::CacheLayout;

namespace {

// Files a causal LM needs besides its weights (transformers' AutoConfig/AutoTokenizer/GenerationConfig).
const std::set<std::string>& supportFiles()
{
    static const std::set<std::string> files = {
        "config.json",          "generation_config.json", "tokenizer.json",          "tokenizer.model",
        "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json",      "vocab.json",
        "merges.txt",           "chat_template.jinja",    "chat_template.json",      "model.safetensors.index.json",
    };
    return files;
}

std::string humanBytes(std::int64_t bytes)
{
    const char* units[] = {"B", "KB", "MB", "GB", "TB", "PB"};
    double v = static_cast<double>(bytes);
    int u = 0;
    while (v >= 1000.0 && u < 5) v /= 1000.0, ++u;
    char buf[32];
    std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
    return buf;
}

DownloadResult cachedResult(const CacheLayout& layout, const std::string& commit, bool fallback)
{
    DownloadResult r;
    r.commit = commit;
    r.snapshotDir = fromPath(layout.snapshotDir(commit));
    r.fromCacheFallback = fallback;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(layout.snapshotDir(commit), ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (!it->is_directory(ec))
            {
            const auto rel = fs::relative(it->path(), layout.snapshotDir(commit), ec).generic_u8string();
            r.files.emplace_back(rel.begin(), rel.end());
        }
    }
    std::sort(r.files.begin(), r.files.end());
    return r;
}

Error gatedError(const detail::RequestContext& ctx, Access access)
{
    detail::HttpResponse fake;
    fake.status = access == Access::NotApproved ? 403 : 401;
    fake.headers.items.emplace_back("x-error-code", "GatedRepo");
    return detail::errorFromResponse(fake, ctx);
}

}  // namespace

Result<DownloadResult> HubClient::Impl::download(const std::string& repoId, const std::string& revisionIn,
                                                 const DownloadOptions& options, const ProgressFn& progress,
                                                 const StopToken& stop)
{
    if (!looksLikeRepoId(repoId))
        return makeError(ErrorCode::InvalidArgument, "'" + repoId + "' is not a Hugging Face repo id (expected Org/Name)");
    const std::string revision = revisionIn.empty() ? "main" : revisionIn;
    const std::string cacheDir = options.cacheDir.empty() ? config.cacheDir : options.cacheDir;
    if (cacheDir.empty()) return makeError(ErrorCode::InvalidArgument, "no cache folder: set HF_HOME or HF_HUB_CACHE");
    const CacheLayout layout(toPath(cacheDir), repoId);
    const std::string where = repoId + "@" + revision;

    // A commit whose snapshot is complete needs no request at all.
    if (isCommitHash(revision) && layout.snapshotLooksComplete(revision)) return cachedResult(layout, revision, false);
    if (config.offline) {
        if (auto commit = layout.readRef(revision); commit && layout.snapshotLooksComplete(*commit))
            return cachedResult(layout, *commit, false);
        return makeError(ErrorCode::NotFound, "offline mode is on (HF_HUB_OFFLINE=1) and " + where +
                                                  " is not complete in the cache at " + cacheDir +
                                                  ": download it once while online, or unset HF_HUB_OFFLINE");
    }

    auto info = fetchModelInfo(repoId, revision, stop);
    if (!info) {
        if (info.error().code == ErrorCode::Network) {
            if (auto commit = layout.readRef(revision); commit && layout.snapshotLooksComplete(*commit))
                return cachedResult(layout, *commit, true);
        }
        return info.error();
    }
    const std::string commit = info->sha;
    detail::RequestContext repoCtx = context(apiModelUrl(repoId), repoId, revision);
    if (info->gated != GatedMode::None) {
        auto access = fetchAccess(repoId, stop);
        if (!access) return access.error();
        if (*access != Access::Granted) return gatedError(repoCtx, *access);
    }
    for (const auto& f : info->files)
        if (!isSafeRelativePath(f.path))
            return makeError(ErrorCode::Corrupt, "refusing " + where + ": the Hub lists a file named '" + f.path +
                                                     "', which would be written outside the snapshot folder");

    auto findFile = [&](const std::string& path) -> const RepoFile* {
        for (const auto& f : info->files)
            if (f.path == path) return &f;
        return nullptr;
    };

    DownloadResult result;
    result.commit = commit;
    result.snapshotDir = fromPath(layout.snapshotDir(commit));
    result.usedNetwork = true;
    detail::ProgressMeter meter(progress, options.onProgress);

    // Phase 1: small support files (the index says which weight shards phase 2 needs).
    std::vector<const RepoFile*> phase1, phase2;
    for (const auto& f : info->files)
        if (supportFiles().count(f.path)) phase1.push_back(&f);

    auto fetchOne = [&](const RepoFile& f, int index, int count) -> Result<void> {
        const fs::path pointer = layout.pointerPath(commit, f.path);
        std::error_code ec;
        if (fs::exists(pointer, ec)) return {};
        std::string etag = f.lfsSha256.empty() ? f.blobId : f.lfsSha256;
        if (!etag.empty() && fs::exists(layout.blobPath(etag), ec))
            return layout.linkPointer(commit, f.path, etag, false, config.disableSymlinks);
        auto meta = headFile(repoId, commit, f.path, stop);
        if (!meta) return meta.error();
        detail::BlobJob job;
        job.repoId = repoId;
        job.commit = commit;
        job.path = f.path;
        job.etag = meta->etag;
        job.size = meta->size;
        job.isLfs = meta->etag.size() == 64;
        job.verify = options.verifySha256 || !job.isLfs;
        job.location = meta->location;
        job.blob = layout.blobPath(job.etag);
        job.incomplete = layout.incompletePath(job.etag);
        job.lock = layout.lockPath(job.etag);
        if (!isSafeRelativePath(job.etag))
            return makeError(ErrorCode::Corrupt, "the Hub returned an unusable ETag for '" + f.path + "'");
        meter.startFile(f.path, index, count, job.size);
        detail::BlobDownloader downloader(*this, stop, [&](std::int64_t done) { meter.fileBytes(done); });
        auto fetched = downloader.fetch(job);
        if (!fetched) return fetched.error();
        meter.finishFile();
        if (*fetched) result.bytesDownloaded += job.size;
        return layout.linkPointer(commit, f.path, job.etag, *fetched, config.disableSymlinks);
    };

    auto needBytes = [&](const std::vector<const RepoFile*>& files) {
        std::int64_t total = 0;
        std::error_code ec;
        for (const RepoFile* f : files) {
            if (fs::exists(layout.pointerPath(commit, f->path), ec)) continue;
            const std::string etag = f->lfsSha256.empty() ? f->blobId : f->lfsSha256;
            if (!etag.empty() && fs::exists(layout.blobPath(etag), ec)) continue;
            std::int64_t partial = 0;
            if (!etag.empty() && fs::exists(layout.incompletePath(etag), ec))
                partial = static_cast<std::int64_t>(fs::file_size(layout.incompletePath(etag), ec));
            total += std::max<std::int64_t>(0, f->size - partial);
        }
        return total;
    };

    meter.setTotal(needBytes(phase1));
    for (std::size_t i = 0; i < phase1.size(); ++i) {
        auto r = fetchOne(*phase1[i], static_cast<int>(i + 1), static_cast<int>(phase1.size()));
        if (!r) return r.error();
    }

    const fs::path indexPath = layout.pointerPath(commit, "model.safetensors.index.json");
    std::error_code ec;
    if (findFile("model.safetensors.index.json") != nullptr) {
        auto read = readWholeFile(fromPath(indexPath));
        if (!read) return makeError(ErrorCode::Io, read.error().message);
        const std::string& text = *read;
        std::set<std::string> shards;
        try {
            const auto index = nlohmann::json::parse(text);
            for (const auto& [name, file] : index.at("weight_map").items()) shards.insert(file.get<std::string>());
        } catch (const std::exception& e) {
            return makeError(ErrorCode::Corrupt, "unreadable model.safetensors.index.json in " + where + ": " + e.what());
        }
        for (const auto& s : shards) {
            if (!isSafeRelativePath(s))
                return makeError(ErrorCode::Corrupt, "refusing " + where + ": its safetensors index names '" + s +
                                                         "', which would be written outside the snapshot folder");
            const RepoFile* f = findFile(s);
            if (f == nullptr)
                return makeError(ErrorCode::NotFound, where + ": the safetensors index names '" + s +
                                                          "', which the repository does not contain");
            phase2.push_back(f);
        }
    } else if (const RepoFile* single = findFile("model.safetensors")) {
        phase2.push_back(single);
    } else {
        std::string names;
        for (const auto& f : info->files) names += (names.empty() ? "" : ", ") + f.path;
        return makeError(ErrorCode::Unsupported, where + " has no safetensors weights (files: " + names +
                                                     "): Lathe reads safetensors checkpoints only");
    }

    const std::int64_t needed = needBytes(phase2);
    const auto space = fs::space(toPath(cacheDir), ec);
    if (!ec && needed > 0 && static_cast<std::uintmax_t>(needed) > space.available)
        return makeError(ErrorCode::Io, "not enough disk space for " + where + ": it needs " + humanBytes(needed) +
                                            " more in " + cacheDir + " but only " +
                                            humanBytes(static_cast<std::int64_t>(space.available)) +
                                            " are free: free some space or set HF_HUB_CACHE to another disk");
    meter.setTotal(needed);
    for (std::size_t i = 0; i < phase2.size(); ++i) {
        auto r = fetchOne(*phase2[i], static_cast<int>(i + 1), static_cast<int>(phase2.size()));
        if (!r) return r.error();
    }
    if (auto r = layout.writeRef(revision, commit); !r) return r.error();

    for (const auto* list : {&phase1, &phase2})
        for (const RepoFile* f : *list) result.files.push_back(f->path);
    std::sort(result.files.begin(), result.files.end());
    return result;
}

}  // namespace lathe::hub
