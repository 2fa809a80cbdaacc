#include "CliSupport.h"

#include "lathe/hub/HubToken.h"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <cstdlib>
#include <memory>

namespace lathe::cli {

namespace {
struct LogoutOptions {
    std::string tokenName;
};
}  // namespace

void addLogoutCommand(CLI::App& app, int& exitCode)
{
    auto options = std::make_shared<LogoutOptions>();
    CLI::App* cmd = app.add_subcommand("logout", "Delete saved Hugging Face tokens (all, or one by name)");
    cmd->add_option("--token_name,--token-name", options->tokenName, "remove only this saved token");
    cmd->callback([options, &exitCode] {
        std::optional<std::string> name;
        if (!options->tokenName.empty()) name = options->tokenName;
        auto removed = hub::removeLogin(name);
        if (!removed) {
            exitCode = reportError(removed.error());
            return;
        }
        std::printf("Logged out (removed %s).\n", removed->c_str());
        if (std::getenv("HF_TOKEN") != nullptr || std::getenv("HUGGING_FACE_HUB_TOKEN") != nullptr)
            std::fprintf(stderr, "lathe: warning: HF_TOKEN is still set in the environment and will keep being used\n");
        exitCode = 0;
    });
}

}  // namespace lathe::cli
