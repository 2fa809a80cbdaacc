#pragma once

#include "hub/HubClientImpl.h"
#include "lathe/hub/HubTypes.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace lathe::hub::detail {

// Read access to the files of one dataset repo (e.g. wikimedia/wikipedia) without downloading them:
// revision -> commit, folder listings, and byte ranges read with HTTP Range from the resolved (often
// signed, expiring) file URL. Built for reading a few column chunks of large parquet shards.
// One instance per thread, like the HubClient::Impl it borrows.
class DatasetRepo {
public:
    DatasetRepo(HubClient::Impl& hub, std::string repoId);

    const std::string& repoId() const { return m_repoId; }

    // GET /api/datasets/<id>/revision/<rev>: the commit every later request uses.
    Result<std::string> resolveCommit(const std::string& revision, const StopToken& stop);

    // GET /api/datasets/<id>/tree/<commit>/<folder>, all pages: the files directly in `folder`, in the
    // Hub's order (sorted by path). NotFound when the folder does not exist.
    Result<std::vector<RepoFile>> listFolder(const std::string& commit, const std::string& folder,
                                             const StopToken& stop);

    // Bytes [offset, offset + length) of `path` at `commit`. The file is resolved once (HEAD) and its
    // location reused; an expired signed URL (403/400/410 from another host) is resolved again, a dropped
    // transfer resumes where it stopped, and a server that ignores Range is read up to the wanted bytes
    // only. Errors: Network/NotFound/Auth as the Hub client maps them, Cancelled.
    Result<std::string> readRange(const std::string& commit, const std::string& path, std::int64_t offset,
                                  std::int64_t length, const StopToken& stop);

    // Body bytes received so far over the network (including any a Range-ignoring server forced on us).
    std::int64_t bytesReceived() const { return m_bytesReceived; }

    std::string resolveUrl(const std::string& revision, const std::string& path) const;

private:
    HubClient::Impl& m_hub;
    std::string m_repoId;
    std::map<std::string, FileMetadata> m_resolved;  // commit + '\n' + path -> HEAD answer
    std::int64_t m_bytesReceived = 0;
};

}  // namespace lathe::hub::detail
