#pragma once

#include "lathe/common/Progress.h"
#include "lathe/common/Result.h"

#include <string>

namespace lathe::hub {

// "Org/Name" or "Name" with the Hub's allowed characters; rejects paths, "..", empty parts.
bool looksLikeRepoId(const std::string& text);

// `<cache>/models--Org--Name`.
std::string repoCacheFolderName(const std::string& repoId);

// Turns what the user typed into a model directory without touching the network:
// an existing directory is returned as is; otherwise `dirOrRepoId` is a repo id looked up in the HF cache
// (`refs/<revision>` -> `snapshots/<commit>`, or the commit itself when `revision` is 40 hex digits).
// `cacheDir` empty = default cache. NotFound tells the user how to download it.
Result<std::string> resolveModelDirectory(const std::string& dirOrRepoId, const std::string& revision = "main",
                                          const std::string& cacheDir = {});

// Like resolveModelDirectory, but downloads a repo id that is not complete in the cache (unless offline).
Result<std::string> ensureModelDirectory(const std::string& dirOrRepoId, const std::string& revision,
                                         const ProgressFn& progress, const StopToken& stop);

}  // namespace lathe::hub
