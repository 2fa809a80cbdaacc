#include "lathe/hub/ModelLocator.h"

#include "common/PathUtil.h"
#include "hub/CacheLayout.h"
#include "lathe/hub/HubClient.h"
#include "lathe/hub/HubToken.h"

#include <cctype>
#include <system_error>

namespace fs = std::filesystem;

namespace lathe::hub {

bool looksLikeRepoId(const std::string& text)
{
    // huggingface_hub's validate_repo_id: one or two parts of [\w.-], no "--" or "..", at most 96 per part.
    if (text.empty() || text.find("--") != std::string::npos || text.find("..") != std::string::npos) return false;
    const auto slash = text.find('/');
    if (slash != std::string::npos && text.find('/', slash + 1) != std::string::npos) return false;
    auto partOk = [](const std::string& p) {
        if (p.empty() || p.size() > 96) return false;
        for (unsigned char c : p)
            if (!(std::isalnum(c) || c == '_' || c == '-' || c == '.')) return false;
        return p.front() != '-' && p.front() != '.' && p.back() != '-' && p.back() != '.';
    };
    if (slash == std::string::npos) return partOk(text);
    return partOk(text.substr(0, slash)) && partOk(text.substr(slash + 1));
}

std::string repoCacheFolderName(const std::string& repoId) { return detail::repoFolderName(repoId); }

Result<std::string> resolveModelDirectory(const std::string& dirOrRepoId, const std::string& revisionIn,
                                          const std::string& cacheDirIn)
{
    std::error_code ec;
    if (!dirOrRepoId.empty() && fs::is_directory(toPath(dirOrRepoId), ec)) return dirOrRepoId;
    if (!looksLikeRepoId(dirOrRepoId))
        return makeError(ErrorCode::NotFound, "'" + dirOrRepoId + "' is neither a model directory nor a Hugging Face repo id");
    const std::string revision = revisionIn.empty() ? "main" : revisionIn;
    const std::string cacheDir = cacheDirIn.empty() ? hubCacheDirectory() : cacheDirIn;
    const detail::CacheLayout layout(toPath(cacheDir), dirOrRepoId);
    const auto commit = layout.readRef(revision);
    const std::string hint = ": download it with `lathe download-model --repo_id " + dirOrRepoId +
                             (revision == "main" ? std::string() : " --revision " + revision) + "`";
    if (!commit || !fs::is_directory(layout.snapshotDir(*commit), ec))
        return makeError(ErrorCode::NotFound, "no directory '" + dirOrRepoId + "' and no cached copy of " + dirOrRepoId +
                                                  "@" + revision + " in " + cacheDir + hint);
    if (!layout.snapshotLooksComplete(*commit))
        return makeError(ErrorCode::NotFound, "the cached copy of " + dirOrRepoId + "@" + revision +
                                                  " is incomplete (" + fromPath(layout.snapshotDir(*commit)) + ")" +
                                                  hint + " to finish it");
    return fromPath(layout.snapshotDir(*commit));
}

Result<std::string> ensureModelDirectory(const std::string& dirOrRepoId, const std::string& revision,
                                         const ProgressFn& progress, const StopToken& stop)
{
    auto local = resolveModelDirectory(dirOrRepoId, revision);
    if (local || !looksLikeRepoId(dirOrRepoId)) return local;
    HubClient client;
    if (client.config().offline) return local;
    auto downloaded = client.downloadModel(dirOrRepoId, revision, {}, progress, stop);
    if (!downloaded) return downloaded.error();
    return downloaded->snapshotDir;
}

}  // namespace lathe::hub
