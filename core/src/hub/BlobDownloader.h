#pragma once

#include "hub/HubClientImpl.h"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

namespace lathe::hub::detail {

// One file to bring into blobs/<etag>.
struct BlobJob {
    std::string repoId;
    std::string commit;
    std::string path;             // repo-relative, for re-resolving and messages
    std::string etag;
    std::int64_t size = 0;
    bool isLfs = false;           // etag is the sha256 of the content; otherwise the git blob sha1
    bool verify = true;
    std::string location;         // from the HEAD; empty = resolve first
    std::filesystem::path blob, incomplete, lock;
};

// Downloads one blob under its lock into <etag>.incomplete, resuming with Range from what is already there,
// retrying with backoff, re-resolving expired signed URLs, then checks size and hash and renames it.
class BlobDownloader {
public:
    BlobDownloader(HubClient::Impl& hub, const StopToken& stop, std::function<void(std::int64_t fileDone)> onBytes);

    // true = the blob was written now; false = another process (or an earlier run) had it already.
    Result<bool> fetch(const BlobJob& job);

private:
    HubClient::Impl& m_hub;
    const StopToken& m_stop;
    std::function<void(std::int64_t)> m_onBytes;
};

}  // namespace lathe::hub::detail
