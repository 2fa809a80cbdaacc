#include "CliSupport.h"

#include "lathe/export/Embedding.h"
#include "lathe/hub/HubClient.h"
#include "lathe/hub/ModelLocator.h"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>
#include <memory>

namespace lathe::cli {

namespace {

struct DownloadModelOptions {
    std::string repoId;
    std::string revision = "main";
    std::string embeddingPath = "./embedding.pt";
    std::string cacheDir;  // empty = HF_HUB_CACHE / $HF_HOME/hub
};

// Turns --repo_id (+ --revision) into a local model folder. A local folder is used as it is; Hub
// repositories are downloaded into the Hugging Face cache (resuming, verified; no network when the cache
// already holds that commit or HF_HUB_OFFLINE=1).
Result<std::string> resolveModelDirectory(const DownloadModelOptions& options)
{
    std::error_code ec;
    if (std::filesystem::is_directory(options.repoId, ec)) return options.repoId;
    if (!hub::looksLikeRepoId(options.repoId))
        return makeError(ErrorCode::NotFound, "'" + options.repoId +
                                                  "' is neither a model folder nor a Hugging Face repo id (Org/Name)");
    hub::HubClient client;
    hub::DownloadOptions download;
    download.cacheDir = options.cacheDir;
    auto result = client.downloadModel(options.repoId, options.revision, download, stderrProgress(), interruptToken());
    if (!result) return result.error();
    if (result->fromCacheFallback)
        std::fprintf(stderr, "lathe: warning: the Hub could not be reached; using the cached copy of %s\n",
                     options.repoId.c_str());
    return result->snapshotDir;
}

}  // namespace

void addDownloadModelCommand(CLI::App& app, int& exitCode)
{
    auto options = std::make_shared<DownloadModelOptions>();
    CLI::App* cmd = app.add_subcommand("download-model",
                                       "Fetch a model and save its input-embedding matrix as embedding.pt");
    cmd->add_option("--repo_id,--repo-id", options->repoId, "Hub repository id or a local model folder")->required();
    cmd->add_option("--revision", options->revision, "branch, tag or commit (default main)");
    cmd->add_option("--embedding,--embedding_path,--embedding-path", options->embeddingPath,
                    "where to write the embedding (torch.load-able float32 [vocab, hidden])");
    cmd->add_option("--cache_dir,--cache-dir", options->cacheDir, "Hugging Face cache folder (default $HF_HOME/hub)");
    cmd->callback([options, &exitCode] {
        auto modelDir = resolveModelDirectory(*options);
        if (!modelDir) {
            exitCode = reportError(modelDir.error());
            return;
        }
        auto written = exports::extractEmbedding(*modelDir, options->embeddingPath, stderrProgress(), interruptToken());
        if (!written) {
            exitCode = reportError(written.error());
            return;
        }
        std::printf("model:     %s\nembedding: %s\n", modelDir->c_str(), options->embeddingPath.c_str());
        exitCode = 0;
    });
}

}  // namespace lathe::cli
