#include "hub/BlobDownloader.h"

#include "hub/FileLock.h"
#include "common/Hashing.h"
#include "hub/PartialFile.h"
#include "common/PathUtil.h"
#include "hub/Retry.h"
#include "hub/Url.h"

#include <algorithm>
#include <optional>
#include <system_error>
#include <vector>

namespace fs = std::filesystem;

namespace lathe::hub::detail {

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
    // Verification runs on a worker thread that takes each block once it is written, so it overlaps the transfer
    // and costs no copy (queueing copies, or reading the file back, cost more CPU than the hash itself).
    std::optional<BlockHasher> hasher;
    if (job.verify) hasher.emplace(job.isLfs ? Hasher::Kind::Sha256 : Hasher::Kind::Sha1, PartialFile::kStageBytes);
    auto resetHash = [&] {
        if (!hasher) return;
        hasher->reset();
        if (!job.isLfs) {
            const std::string h = gitBlobHeader(job.size);
            hasher->update(h.data(), h.size());
        }
    };

    PartialFile file;
    if (hasher) file.setOnWritten([&](std::vector<char>& block) { hasher->hand(block); });
    if (!file.open(job.incomplete))
        return makeError(ErrorCode::Io, "cannot open " + fromPath(job.incomplete) + " for writing: " + file.error());
    auto truncateAll = [&]() -> bool {
        resetHash();
        m_onBytes(0);
        return file.truncate();
    };
    if (file.onDisk() > job.size && !truncateAll())
        return makeError(ErrorCode::Io, "cannot empty " + fromPath(job.incomplete) + ": " + file.error());

    // The hash state does not survive a process, so a resumed file is re-read once.
    resetHash();
    if (file.onDisk() > 0 && hasher) {
        constexpr std::int64_t kReadBytes = 1 << 20;
        std::vector<char> buffer(kReadBytes);
        std::int64_t offset = 0;
        while (offset < file.onDisk()) {
            const auto want = static_cast<std::size_t>(std::min(file.onDisk() - offset, kReadBytes));
            const long long n = file.readAt(buffer.data(), want, offset);
            if (n <= 0) break;
            hasher->update(buffer.data(), static_cast<std::size_t>(n));
            offset += n;
        }
        if (offset != file.onDisk()) truncateAll();
    }
    m_onBytes(file.onDisk());  // the baseline: bytes already on disk are not transfer speed

    auto cancelled = [&] {
        return makeError(ErrorCode::Cancelled, "download of " + name + " cancelled at " +
                                                   std::to_string(file.onDisk()) + " bytes; run it again to resume");
    };

    std::string location = job.location;
    int failures = 0, reResolves = 0, restarts = 0, hops = 0;
    const RetrySettings& retry = m_hub.config.retry;
    for (;;) {
        if (m_stop.stopRequested()) return cancelled();
        if (file.onDisk() == job.size) {
            if (!file.close())
                return makeError(ErrorCode::Io, "cannot write " + fromPath(job.incomplete) + " (" + file.error() +
                                                    "): free some space and run the download again");
            std::string problem;
            const auto onDisk = static_cast<std::int64_t>(fs::file_size(job.incomplete, ec));
            if (ec || onDisk != job.size) problem = "size " + std::to_string(onDisk) + " instead of " + std::to_string(job.size);
            if (problem.empty() && hasher) {
                const std::string digest = hasher->hexDigest();
                if (digest != job.etag)
                    problem = std::string(job.isLfs ? "sha256 " : "git blob id ") + digest + " instead of " + job.etag;
            }
            if (!problem.empty()) {
                fs::remove(job.incomplete, ec);
                if (restarts++ < 1) {  // a corrupted partial file from an earlier run: start over once
                    if (!file.open(job.incomplete))
                        return makeError(ErrorCode::Io,
                                         "cannot open " + fromPath(job.incomplete) + ": " + file.error());
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
        const std::int64_t requestedFrom = file.onDisk();
        if (requestedFrom > 0) req.headers.push_back("Range: bytes=" + std::to_string(requestedFrom) + "-");
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
            if (file.received() + static_cast<std::int64_t>(n) > job.size) { rangeMismatch = true; return false; }
            if (!file.append(data, n)) { writeFailed = true; return false; }
            m_onBytes(file.received());
            return true;
        };
        RequestContext ctx = m_hub.context(location, job.repoId, job.commit, job.path);
        HttpResponse resp = m_hub.http.perform(req);
        if (!file.flush()) writeFailed = true;
        const bool progressed = file.onDisk() > requestedFrom;

        if (resp.cancelled || m_stop.stopRequested()) return cancelled();
        if (writeFailed)
            return makeError(ErrorCode::Io, "cannot write " + fromPath(job.incomplete) + " (" + file.error() +
                                                "): free some space and run the download again to resume");
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
            if (file.onDisk() == job.size) continue;
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
