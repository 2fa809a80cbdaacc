#include "hub/DatasetRepo.h"

#include "common/PathUtil.h"
#include "hub/Retry.h"
#include "hub/Url.h"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace lathe::hub::detail {

namespace {

using json = nlohmann::json;

}  // namespace

DatasetRepo::DatasetRepo(HubClient::Impl& hub, std::string repoId) : m_hub(hub), m_repoId(std::move(repoId)) {}

std::string DatasetRepo::resolveUrl(const std::string& revision, const std::string& path) const
{
    return m_hub.config.endpoint + "/datasets/" + m_repoId + "/resolve/" + urlEncode(revision) + "/" +
           urlEncode(path, true);
}

Result<std::string> DatasetRepo::resolveCommit(const std::string& revision, const StopToken& stop)
{
    const std::string url = m_hub.config.endpoint + "/api/datasets/" + m_repoId + "/revision/" + urlEncode(revision);
    auto body = m_hub.getBody(url, m_hub.context(url, m_repoId, revision), stop);
    if (!body) return body.error();
    try {
        const auto j = json::parse(*body);
        const std::string sha = j.is_object() ? j.value("sha", "") : std::string();
        if (!isCommitHash(sha))
            return makeError(ErrorCode::Network, url + " returned no commit sha: check HF_ENDPOINT");
        return sha;
    } catch (const std::exception& e) {
        return makeError(ErrorCode::Network, "unreadable dataset info from " + url + ": " + e.what());
    }
}

Result<std::vector<RepoFile>> DatasetRepo::listFolder(const std::string& commit, const std::string& folder,
                                                      const StopToken& stop)
{
    std::string url = m_hub.config.endpoint + "/api/datasets/" + m_repoId + "/tree/" + urlEncode(commit) + "/" +
                      urlEncode(folder, true);
    std::vector<RepoFile> files;
    for (int page = 0; !url.empty(); ++page) {
        if (page > 100000) return makeError(ErrorCode::Network, "the listing of " + folder + " never ends: " + url);
        HttpHeaders headers;
        auto ctx = m_hub.context(url, m_repoId, commit, folder);
        auto body = m_hub.getBody(url, ctx, stop, &headers);
        if (!body) return body.error();
        try {
            const auto list = json::parse(*body);
            if (!list.is_array()) return makeError(ErrorCode::Network, url + " did not return a list of files");
            for (const auto& e : list) {
                if (!e.is_object() || e.value("type", "") != "file") continue;
                RepoFile f;
                f.path = e.value("path", "");
                if (e.contains("size") && e["size"].is_number()) f.size = e["size"].get<std::int64_t>();
                f.blobId = e.value("oid", "");
                if (e.contains("lfs") && e["lfs"].is_object()) {
                    f.lfsSha256 = e["lfs"].value("oid", "");
                    if (e["lfs"].contains("size") && e["lfs"]["size"].is_number())
                        f.size = e["lfs"]["size"].get<std::int64_t>();
                }
                if (!isSafeRelativePath(f.path))
                    return makeError(ErrorCode::Network, url + " lists an unsafe file name: '" + f.path + "'");
                files.push_back(std::move(f));
            }
        } catch (const std::exception& e) {
            return makeError(ErrorCode::Network, "unreadable file list from " + url + ": " + e.what());
        }
        const std::string next = nextPageLink(headers.get("link"));
        url = next.empty() ? std::string() : detail::resolveUrl(url, next);
    }
    return files;
}

Result<std::string> DatasetRepo::readRange(const std::string& commit, const std::string& path, std::int64_t offset,
                                           std::int64_t length, const StopToken& stop)
{
    const std::string name = "'" + path + "' of " + m_repoId;
    if (offset < 0 || length < 0)
        return makeError(ErrorCode::Internal, "negative byte range requested from " + name);
    std::string out;
    if (length == 0) return out;
    out.reserve(static_cast<std::size_t>(length));
    const std::string key = commit + "\n" + path;
    const RetrySettings& retry = m_hub.config.retry;
    int failures = 0, reResolves = 0, hops = 0;
    for (;;) {
        if (stop.stopRequested()) return makeError(ErrorCode::Cancelled, "reading " + name + " cancelled");
        auto known = m_resolved.find(key);
        if (known == m_resolved.end()) {
            auto meta = m_hub.headUrl(resolveUrl(commit, path), m_repoId, commit, path, stop);
            if (!meta) return meta.error();
            known = m_resolved.emplace(key, *meta).first;
        }
        const FileMetadata& meta = known->second;
        if (meta.size >= 0 && offset + length > meta.size)
            return makeError(ErrorCode::Corrupt, "bytes " + std::to_string(offset) + "-" +
                                                     std::to_string(offset + length - 1) + " lie past the end of " +
                                                     name + " (" + std::to_string(meta.size) + " bytes)");

        const std::int64_t from = offset + static_cast<std::int64_t>(out.size());
        const std::int64_t last = offset + length - 1;
        HttpRequest req;
        req.url = meta.location;
        req.headers = m_hub.headersFor(meta.location);
        req.headers.push_back("Accept-Encoding: identity");
        req.headers.push_back("Range: bytes=" + std::to_string(from) + "-" + std::to_string(last));
        req.stop = &stop;
        bool first = true, mismatch = false;
        std::int64_t position = 0;  // file offset of the next body byte
        req.onBody = [&](long status, const HttpHeaders& headers, const char* data, std::size_t n) -> bool {
            m_bytesReceived += static_cast<std::int64_t>(n);
            if (first) {
                first = false;
                if (status == 206) {
                    position = contentRangeStart(headers.get("content-range"));
                    if (position != from) {
                        mismatch = true;
                        return false;
                    }
                } else {
                    position = 0;  // a 200 carries the whole file: keep only the wanted slice
                }
            }
            const std::int64_t chunkEnd = position + static_cast<std::int64_t>(n);
            const std::int64_t wantFrom = offset + static_cast<std::int64_t>(out.size());
            if (chunkEnd > wantFrom && position <= wantFrom) {
                const std::int64_t skip = wantFrom - position;
                const std::int64_t take = std::min<std::int64_t>(chunkEnd - wantFrom, length - static_cast<std::int64_t>(out.size()));
                out.append(data + skip, static_cast<std::size_t>(take));
            }
            position = chunkEnd;
            return static_cast<std::int64_t>(out.size()) < length;  // enough: stop the transfer
        };
        const std::size_t before = out.size();
        HttpResponse resp = m_hub.http.perform(req);
        if (resp.cancelled || stop.stopRequested())
            return makeError(ErrorCode::Cancelled, "reading " + name + " cancelled");
        if (static_cast<std::int64_t>(out.size()) == length) return out;
        if (mismatch)
            return makeError(ErrorCode::Network, "the server answered a range request for " + name +
                                                     " with other bytes than asked for: try again later");
        if (!resp.transportError && resp.status >= 300 && resp.status < 400) {
            const std::string next = resp.headers.get("location");
            if (next.empty() || ++hops > 10) return makeError(ErrorCode::Network, "bad redirect from " + meta.location);
            known->second.location = detail::resolveUrl(meta.location, next);
            continue;
        }
        RequestContext ctx = m_hub.context(meta.location, m_repoId, commit, path);
        if (!resp.transportError && (resp.status == 403 || resp.status == 400 || resp.status == 410) &&
            !sameOrigin(meta.location, m_hub.config.endpoint)) {
            // Signed CDN URLs expire: ask the Hub for a fresh one and continue where the bytes stopped.
            if (++reResolves > 3)
                return makeError(ErrorCode::Network, "the download server keeps refusing " + name + " (HTTP " +
                                                         std::to_string(resp.status) + "): try again later");
            m_resolved.erase(known);
            continue;
        }
        if (!resp.is2xx() && !isRetryable(resp)) return errorFromResponse(resp, ctx);
        if (out.size() > before) failures = 0, reResolves = 0;
        if (++failures > retry.maxRetries) {
            ctx.attempts = failures;
            if (resp.is2xx()) return makeError(ErrorCode::Network, "transfers of " + name + " keep ending early");
            return errorFromResponse(resp, ctx).withContext("reading " + name);
        }
        if (!waitBeforeRetry(retryWaitSeconds(resp, failures - 1, retry), retry, &stop))
            return makeError(ErrorCode::Cancelled, "reading " + name + " cancelled");
    }
}

}  // namespace lathe::hub::detail
