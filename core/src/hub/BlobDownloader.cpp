#include "hub/BlobDownloader.h"

#include "hub/FileLock.h"
#include "hub/Hashing.h"
#include "hub/PathUtil.h"
#include "hub/Retry.h"
#include "hub/Url.h"

#include <cstdio>
#include <memory>
#include <system_error>
#include <vector>

namespace fs = std::filesystem;

namespace lathe::hub::detail {

namespace {

struct FileCloser {
    void operator()(std::FILE* f) const
    {
        if (f != nullptr) std::fclose(f);
    }
};
using FilePtr = std::unique_ptr<std::FILE, FileCloser>;

std::FILE* openFile(const fs::path& path, const char* mode)
{
#ifdef _WIN32
    std::wstring wmode(mode, mode + std::char_traits<char>::length(mode));
    return _wfopen(path.c_str(), wmode.c_str());
#else
    return std::fopen(path.c_str(), mode);
#endif
}

}  // namespace

BlobDownloader::BlobDownloader(HubClient::Impl& hub, const StopToken& stop, std::function<void(std::int64_t)> onBytes)
    : m_hub(hub), m_stop(stop), m_onBytes(std::move(onBytes))
{
}

Result<bool> BlobDownloader::fetch(const BlobJob& job)
{
    FileLock lock;
    LATHE_TRY(lock.acquire(job.lock, &m_stop));
    std::error_code ec;
    if (fs::exists(job.blob, ec)) return false;  // finished by someone else while we waited
    fs::create_directories(job.blob.parent_path(), ec);
    if (ec) return makeError(ErrorCode::Io, "cannot create " + fromPath(job.blob.parent_path()) + ": " + ec.message());

    const std::string name = "'" + job.path + "' of " + job.repoId;
    AsyncHasher hasher(job.isLfs ? Hasher::Kind::Sha256 : Hasher::Kind::Sha1);
    auto resetHash = [&] {
        hasher.reset();
        if (!job.isLfs) {
            const std::string h = gitBlobHeader(job.size);
            hasher.update(h.data(), h.size());
        }
    };

    std::int64_t have = fs::exists(job.incomplete, ec) ? static_cast<std::int64_t>(fs::file_size(job.incomplete, ec)) : 0;
    if (ec || have > job.size) have = 0;
    FilePtr file(openFile(job.incomplete, have > 0 ? "r+b" : "w+b"));
    if (!file) return makeError(ErrorCode::Io, "cannot open " + fromPath(job.incomplete) + " for writing");
    std::vector<char> buffer(1 << 20);
    std::setvbuf(file.get(), nullptr, _IOFBF, 1 << 20);

    auto truncateAll = [&]() -> bool {
        std::fflush(file.get());
        std::error_code e;
        fs::resize_file(job.incomplete, 0, e);
        std::fseek(file.get(), 0, SEEK_SET);
        have = 0;
        resetHash();
        m_onBytes(0);
        return !e;
    };

    // The hash state does not survive a process, so a resumed file is re-read once.
    resetHash();
    if (have > 0) {
        std::int64_t left = have;
        while (left > 0) {
            const std::size_t n = std::fread(buffer.data(), 1, static_cast<std::size_t>(std::min<std::int64_t>(left, buffer.size())), file.get());
            if (n == 0) break;
            if (job.verify) hasher.update(buffer.data(), n);
            left -= static_cast<std::int64_t>(n);
        }
        if (left != 0) truncateAll();
        std::fseek(file.get(), 0, SEEK_END);
    }
    m_onBytes(have);  // the baseline: bytes already on disk are not transfer speed

    std::string location = job.location;
    int failures = 0, reResolves = 0, restarts = 0, hops = 0;
    const RetrySettings& retry = m_hub.config.retry;
    for (;;) {
        if (m_stop.stopRequested())
            return makeError(ErrorCode::Cancelled, "download of " + name + " cancelled at " + std::to_string(have) +
                                                       " bytes; run it again to resume");
        if (have == job.size) {
            if (std::fflush(file.get()) != 0)
                return makeError(ErrorCode::Io, "cannot write " + fromPath(job.incomplete) + " (disk full?)");
            file.reset();
            std::string problem;
            const auto onDisk = static_cast<std::int64_t>(fs::file_size(job.incomplete, ec));
            if (ec || onDisk != job.size) problem = "size " + std::to_string(onDisk) + " instead of " + std::to_string(job.size);
            if (problem.empty() && job.verify) {
                const std::string digest = hasher.hexDigest();
                if (digest != job.etag)
                    problem = std::string(job.isLfs ? "sha256 " : "git blob id ") + digest + " instead of " + job.etag;
            }
            if (!problem.empty()) {
                fs::remove(job.incomplete, ec);
                if (restarts++ < 1) {  // a corrupted partial file from an earlier run: start over once
                    file.reset(openFile(job.incomplete, "w+b"));
                    if (!file) return makeError(ErrorCode::Io, "cannot open " + fromPath(job.incomplete));
                    truncateAll();
                    continue;
                }
                return makeError(ErrorCode::Corrupt, "downloaded " + name + " does not verify (" + problem +
                                                         "); the partial file was deleted: run the download again");
            }
            fs::rename(job.incomplete, job.blob, ec);
            if (ec) return makeError(ErrorCode::Io, "cannot rename " + fromPath(job.incomplete) + ": " + ec.message());
            return true;
        }

        if (location.empty()) {
            auto meta = m_hub.headFile(job.repoId, job.commit, job.path, m_stop);
            if (!meta) return meta.error();
            if (meta->etag != job.etag || meta->size != job.size)
                return makeError(ErrorCode::Network, "the Hub now describes " + name + " differently (etag " + meta->etag +
                                                         ", " + std::to_string(meta->size) + " bytes): run the download again");
            location = meta->location;
        }

        HttpRequest req;
        req.url = location;
        req.headers = m_hub.headersFor(location);
        req.headers.push_back("Accept-Encoding: identity");
        const std::int64_t requestedFrom = have;
        if (have > 0) req.headers.push_back("Range: bytes=" + std::to_string(have) + "-");
        req.stop = &m_stop;
        bool firstChunk = true, rangeMismatch = false, writeFailed = false;
        req.onBody = [&](long status, const HttpHeaders& headers, const char* data, std::size_t n) -> bool {
            if (firstChunk) {
                firstChunk = false;
                if (status == 206) {
                    if (contentRangeStart(headers.get("content-range")) != requestedFrom) { rangeMismatch = true; return false; }
                } else if (requestedFrom > 0) {
                    // 200 to a Range request: the server sends the whole file, so start the file over.
                    if (!truncateAll()) { writeFailed = true; return false; }
                }
            }
            if (have + static_cast<std::int64_t>(n) > job.size) { rangeMismatch = true; return false; }
            if (std::fwrite(data, 1, n, file.get()) != n) { writeFailed = true; return false; }
            if (job.verify) hasher.update(data, n);
            have += static_cast<std::int64_t>(n);
            m_onBytes(have);
            return true;
        };
        RequestContext ctx = m_hub.context(location, job.repoId, job.commit, job.path);
        HttpResponse resp = m_hub.http.perform(req);
        const bool progressed = have > requestedFrom;

        if (resp.cancelled || m_stop.stopRequested()) {
            std::fflush(file.get());
            return makeError(ErrorCode::Cancelled, "download of " + name + " cancelled at " + std::to_string(have) +
                                                       " bytes; run it again to resume");
        }
        if (writeFailed || std::ferror(file.get()))
            return makeError(ErrorCode::Io, "cannot write " + fromPath(job.incomplete) +
                                                " (disk full?): free some space and run the download again to resume");
        if (rangeMismatch || resp.status == 416) {
            if (++restarts > 3)
                return makeError(ErrorCode::Network, "the server keeps answering range requests for " + name +
                                                         " inconsistently: try again later");
            truncateAll();
            continue;
        }
        if (!resp.transportError && resp.status >= 300 && resp.status < 400) {
            const std::string next = resp.headers.get("location");
            if (next.empty() || ++hops > 10) return makeError(ErrorCode::Network, "bad redirect from " + location);
            location = resolveUrl(location, next);
            continue;
        }
        if (resp.is2xx()) {
            if (have == job.size) continue;
            // A clean end before the announced size: treat it like a dropped connection.
        } else if (!resp.transportError && (resp.status == 403 || resp.status == 400 || resp.status == 410) &&
                   !sameOrigin(location, m_hub.config.endpoint)) {
            // Signed CDN URLs expire (about an hour): ask the Hub for a fresh one and resume.
            if (++reResolves > 3)
                return makeError(ErrorCode::Network, "the download server keeps refusing " + name + " (HTTP " +
                                                         std::to_string(resp.status) + "): try again later");
            location.clear();
            continue;
        } else if (!isRetryable(resp)) {
            return errorFromResponse(resp, ctx);
        }
        if (progressed) failures = 0, reResolves = 0;
        if (++failures > retry.maxRetries) {
            ctx.attempts = failures;
            if (resp.is2xx()) return makeError(ErrorCode::Network, "the transfer of " + name + " keeps ending early");
            return errorFromResponse(resp, ctx).withContext("downloading " + name);
        }
        if (!waitBeforeRetry(retryWaitSeconds(resp, failures - 1, retry), retry, &m_stop)) continue;
    }
}

}  // namespace lathe::hub::detail
