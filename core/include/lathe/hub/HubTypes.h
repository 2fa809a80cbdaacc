#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace lathe::hub {

// GET /api/whoami-v2, reduced to what Lathe shows.
struct WhoAmI {
    std::string name;
    std::string fullname;
    std::string type;            // user | org | app
    std::vector<std::string> orgs;
    std::string tokenName;       // auth.accessToken.displayName (empty for OAuth tokens)
    std::string tokenRole;       // read | write | fineGrained
};

enum class GatedMode { None, Auto, Manual };
const char* gatedModeName(GatedMode mode);  // "false", "auto", "manual"

// Whether this user may download a repo (GET /api/models/{id}/auth-check).
enum class Access { Granted, NeedsLogin, NotApproved, Unknown };

struct ModelSummary {  // one search hit
    std::string id;
    std::int64_t downloads = 0;
    std::int64_t likes = 0;
    GatedMode gated = GatedMode::None;
    std::string lastModified;
    std::string pipelineTag;
    std::int64_t parameterCount = 0;  // 0 = unknown
};

struct SearchQuery {
    std::string search;
    std::string author;
    std::string sort = "downloads";  // downloads | likes | lastModified | createdAt | trendingScore (descending)
    int limit = 20;
};

struct RepoFile {
    std::string path;             // relative to the repo root, '/'-separated
    std::int64_t size = -1;       // -1 = unknown
    std::string blobId;           // git sha1
    std::string lfsSha256;        // empty for files not in LFS
};

struct ModelInfo {
    std::string id;
    std::string sha;              // the commit the revision resolved to
    bool isPrivate = false;
    GatedMode gated = GatedMode::None;
    Access access = Access::Unknown;  // filled by HubClient::modelInfo from auth-check
    std::int64_t parameterCount = 0;  // safetensors.total, 0 = unknown
    std::vector<std::string> architectures;
    std::string modelType;
    std::string license;
    std::string pipelineTag;
    std::vector<RepoFile> files;
};

// Structured download progress for the GUI; the CLI uses the text rendering through ProgressFn.
struct DownloadProgress {
    std::string file;
    int fileIndex = 0;            // 1-based among files being transferred
    int fileCount = 0;
    std::int64_t fileDone = 0, fileTotal = 0;
    std::int64_t totalDone = 0, totalTotal = 0;
    double bytesPerSecond = 0.0;  // smoothed over the last few seconds
    double etaSeconds = -1.0;     // -1 = unknown
};
std::string formatDownloadProgress(const DownloadProgress& progress);  // "file 2/5 12.3 MB/s ETA 0:04"

struct DownloadOptions {
    std::string cacheDir;                 // empty = the client's configured cache
    bool verifySha256 = true;             // LFS files are hashed while they are written
    std::function<void(const DownloadProgress&)> onProgress;  // optional, same thread as ProgressFn
};

struct DownloadResult {
    std::string snapshotDir;      // <cache>/models--Org--Name/snapshots/<commit>
    std::string commit;
    std::vector<std::string> files;  // repo-relative paths present in the snapshot
    std::int64_t bytesDownloaded = 0;
    bool usedNetwork = false;
    bool fromCacheFallback = false;  // the Hub was unreachable and a complete cached snapshot was used
};

}  // namespace lathe::hub
