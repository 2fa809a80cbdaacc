#include "hub/BlobDownloader.h"

#include "common/Hashing.h"
#include "common/PathUtil.h"
#include "hub/FileLock.h"
#include "hub/PartialFile.h"
#include "hub/RangeTransfer.h"

#include <algorithm>
#include <optional>
#include <system_error>
#include <vector>

namespace fs = std::filesystem;

namespace lathe::hub::detail {

namespace {

// Bytes go to the partial file; a 200 to a Range request (the server sends the whole file) starts it over.
class PartialFileSink : public RangeSink {
public:
    PartialFileSink(PartialFile& file, const BlobJob& job, std::function<bool()> truncateAll,
                    const std::function<void(std::int64_t)>& onBytes)
        : m_file(file), m_job(job), m_truncateAll(std::move(truncateAll)), m_onBytes(onBytes)
    {
    }
    std::int64_t next() const override { return m_file.onDisk(); }
    SinkVerdict begin(std::int64_t bodyStart) override
    {
        if (bodyStart == 0 && m_file.onDisk() > 0 && !m_truncateAll()) return SinkVerdict::WriteFailed;
        return SinkVerdict::Continue;
    }
    SinkVerdict write(std::int64_t, const char* data, std::size_t n) override
    {
        if (m_file.received() + static_cast<std::int64_t>(n) > m_job.size) return SinkVerdict::Mismatch;
        if (!m_file.append(data, n)) return SinkVerdict::WriteFailed;
        m_onBytes(m_file.received());
        return SinkVerdict::Continue;
    }
    bool flush() override { return m_file.flush(); }
    void restart() override { m_truncateAll(); }
    Error writeError() const override
    {
        return makeError(ErrorCode::Io, "cannot write " + fromPath(m_job.incomplete) + " (" + m_file.error() +
                                            "): free some space and run the download again to resume");
    }

private:
    PartialFile& m_file;
    const BlobJob& m_job;
    std::function<bool()> m_truncateAll;
    const std::function<void(std::int64_t)>& m_onBytes;
};

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

    PartialFileSink sink(file, job, truncateAll, m_onBytes);

    RangeRequest request;
    request.name = name;
    request.verb = "downloading";
    request.repoId = job.repoId;
    request.commit = job.commit;
    request.path = job.path;
    request.end = job.size;
    request.openEnded = true;
    request.restartOnMismatch = true;
    request.endsEarlyMessage = "the transfer of " + name + " keeps ending early";
    request.resolve = [&]() -> Result<std::string> {
        auto meta = m_hub.headFile(job.repoId, job.commit, job.path, m_stop);
        if (!meta) return meta.error();
        if (meta->etag != job.etag || meta->size != job.size)
            return makeError(ErrorCode::Network, "the Hub now describes " + name + " differently (etag " + meta->etag +
                                                     ", " + std::to_string(meta->size) +
                                                     " bytes): run the download again");
        return meta->location;
    };
    request.cancelled = [&] {
        return makeError(ErrorCode::Cancelled, "download of " + name + " cancelled at " +
                                                   std::to_string(file.onDisk()) + " bytes; run it again to resume");
    };

    RangeTransfer transfer(m_hub, m_stop);
    std::string location = job.location;
    for (;;) {
        LATHE_TRY(transfer.run(request, location, sink));
        if (!file.close())
            return makeError(ErrorCode::Io, "cannot write " + fromPath(job.incomplete) + " (" + file.error() +
                                                "): free some space and run the download again");
        std::string problem;
        const auto onDisk = static_cast<std::int64_t>(fs::file_size(job.incomplete, ec));
        if (ec || onDisk != job.size)
            problem = "size " + std::to_string(onDisk) + " instead of " + std::to_string(job.size);
        if (problem.empty() && hasher) {
            const std::string digest = hasher->hexDigest();
            if (digest != job.etag)
                problem = std::string(job.isLfs ? "sha256 " : "git blob id ") + digest + " instead of " + job.etag;
        }
        if (problem.empty()) break;
        fs::remove(job.incomplete, ec);
        if (!transfer.countRestart(1))
            return makeError(ErrorCode::Corrupt, "downloaded " + name + " does not verify (" + problem +
                                                     "); the partial file was deleted: run the download again");
        // A corrupted partial file from an earlier run: start over once.
        if (!file.open(job.incomplete))
            return makeError(ErrorCode::Io, "cannot open " + fromPath(job.incomplete) + ": " + file.error());
        truncateAll();
    }
    fs::rename(job.incomplete, job.blob, ec);
    if (ec) return makeError(ErrorCode::Io, "cannot rename " + fromPath(job.incomplete) + ": " + ec.message());
    return true;
}

}  // namespace lathe::hub::detail
