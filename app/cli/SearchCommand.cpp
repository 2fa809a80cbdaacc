#include "CliSupport.h"

#include "lathe/hub/HubClient.h"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>

namespace lathe::cli {

namespace {
std::string shortCount(std::int64_t n)
{
    char buf[32];
    if (n >= 1000000000) std::snprintf(buf, sizeof buf, "%.1fB", n / 1e9);
    else if (n >= 1000000) std::snprintf(buf, sizeof buf, "%.1fM", n / 1e6);
    else if (n >= 1000) std::snprintf(buf, sizeof buf, "%.1fk", n / 1e3);
    else std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(n));
    return buf;
}
}  // namespace

void addSearchCommand(CLI::App& app, int& exitCode)
{
    auto query = std::make_shared<hub::SearchQuery>();
    CLI::App* cmd = app.add_subcommand("search", "Search models on the Hugging Face Hub");
    cmd->add_option("query", query->search, "text to look for in model ids")->required();
    cmd->add_option("--limit", query->limit, "how many models to list (default 20)")->check(CLI::Range(1, 10000));
    cmd->add_option("--sort", query->sort, "downloads, likes, lastModified, createdAt or trendingScore");
    cmd->add_option("--author", query->author, "only models of this user or organization");
    cmd->callback([query, &exitCode] {
        hub::HubClient client;
        auto models = client.searchModels(*query, interruptToken());
        if (!models) {
            exitCode = reportError(models.error());
            return;
        }
        std::printf("%-50s %10s %6s %8s %s\n", "MODEL", "DOWNLOADS", "LIKES", "PARAMS", "GATED");
        for (const auto& m : *models)
            std::printf("%-50s %10s %6s %8s %s\n", m.id.c_str(), shortCount(m.downloads).c_str(),
                        shortCount(m.likes).c_str(), m.parameterCount > 0 ? shortCount(m.parameterCount).c_str() : "-",
                        hub::gatedModeName(m.gated));
        if (models->empty()) std::fprintf(stderr, "no model matches '%s'\n", query->search.c_str());
        exitCode = 0;
    });
}

}  // namespace lathe::cli
