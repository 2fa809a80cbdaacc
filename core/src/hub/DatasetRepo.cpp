#include "hub/DatasetRepo.h"

#include "common/PathUtil.h"
#include "hub/RangeTransfer.h"
#include "hub/Url.h"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace lathe::hub::detail {

namespace {

using json = nlohmann::json;

// Keeps the wanted slice of whatever the server sends: a 206 from the range start, or a 200 with the whole file.
class SliceSink : public RangeSink {
public:
    SliceSink(std::string& out, std::int64_t offset, std::int64_t length)
        : m_out(out), m_offset(offset), m_length(length)
    {
    }
    std::int64_t next() const override { return m_offset + static_cast<std::int64_t>(m_out.size()); }
    SinkVerdict begin(std::int64_t) override { return SinkVerdict::Continue; }
    SinkVerdict write(std::int64_t at, const char* data, std::size_t n) override
    {
        const std::int64_t chunkEnd = at + static_cast<std::int64_t>(n);
        const std::int64_t wantFrom = next();
        if (chunkEnd > wantFrom && at <= wantFrom) {
            const std::int64_t skip = wantFrom - at;
            const std::int64_t take =
                std::min<std::int64_t>(chunkEnd - wantFrom, m_length - static_cast<std::int64_t>(m_out.size()));
            m_out.append(data + skip, static_cast<std::size_t>(take));
        }
        return static_cast<std::int64_t>(m_out.size()) < m_length ? SinkVerdict::Continue : SinkVerdict::Complete;
    }

private:
    std::string& m_out;
    std::int64_t m_offset, m_length;
};

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
    auto checkSize = [&](const FileMetadata& meta) -> Result<void> {
        if (meta.size >= 0 && offset + length > meta.size)
            return makeError(ErrorCode::Corrupt, "bytes " + std::to_string(offset) + "-" +
                                                     std::to_string(offset + length - 1) + " lie past the end of " +
                                                     name + " (" + std::to_string(meta.size) + " bytes)");
        return {};
    };
    std::string location;
    if (auto known = m_resolved.find(key); known != m_resolved.end()) {
        LATHE_TRY(checkSize(known->second));
        location = known->second.location;
    }

    SliceSink sink(out, offset, length);

    RangeRequest request;
    request.name = name;
    request.verb = "reading";
    request.repoId = m_repoId;
    request.commit = commit;
    request.path = path;
    request.end = offset + length;
    request.endsEarlyMessage = "transfers of " + name + " keep ending early";
    request.resolve = [&]() -> Result<std::string> {
        auto meta = m_hub.headUrl(resolveUrl(commit, path), m_repoId, commit, path, stop);
        if (!meta) return meta.error();
        m_resolved[key] = *meta;
        location = meta->location;  // kept for the next read even when this one asks for too much
        LATHE_TRY(checkSize(*meta));
        return meta->location;
    };
    request.cancelled = [&] { return makeError(ErrorCode::Cancelled, "reading " + name + " cancelled"); };

    RangeTransfer transfer(m_hub, stop);
    auto done = transfer.run(request, location, sink);
    m_bytesReceived += transfer.bodyBytes();
    // The location as redirects left it, for the next read; an expired one is forgotten.
    if (auto known = m_resolved.find(key); known != m_resolved.end()) {
        if (location.empty())
            m_resolved.erase(known);
        else
            known->second.location = location;
    }
    if (!done) return done.error();
    return out;
}

}  // namespace lathe::hub::detail
