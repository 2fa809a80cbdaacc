#include "CliSupport.h"

#include "lathe/hub/HubClient.h"
#include "lathe/hub/HubToken.h"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <unistd.h>

namespace lathe::cli {

namespace {
struct LoginOptions {
    std::string token;
};
}  // namespace

void addLoginCommand(CLI::App& app, int& exitCode)
{
    auto options = std::make_shared<LoginOptions>();
    CLI::App* cmd = app.add_subcommand("login", "Save a Hugging Face access token (shared with `hf auth login`)");
    cmd->add_option("--token", options->token, "the access token; read from standard input when omitted");
    cmd->callback([options, &exitCode] {
        std::string token = options->token;
        if (token.empty()) {
            if (isatty(STDIN_FILENO)) std::fprintf(stderr, "Hugging Face token (input is not echoed back): ");
            std::getline(std::cin, token);
        }
        token = hub::cleanToken(token);
        if (token.empty()) {
            exitCode = reportError(makeError(ErrorCode::InvalidArgument, "no token given: pass --token <token>"));
            return;
        }
        if (token.rfind("api_org", 0) == 0) {
            exitCode = reportError(makeError(ErrorCode::InvalidArgument,
                                             "organization API tokens cannot log in: use a personal access token"));
            return;
        }
        hub::HubClient client;
        auto who = client.whoami(token);
        if (!who) {
            exitCode = reportError(who.error());
            return;
        }
        const std::string name = !who->tokenName.empty() ? who->tokenName : "oauth-" + who->name;
        if (auto saved = hub::storeLogin(token, name); !saved) {
            exitCode = reportError(saved.error());
            return;
        }
        std::printf("Token is valid (permission: %s).\n", who->tokenRole.empty() ? "unknown" : who->tokenRole.c_str());
        std::printf("The token `%s` has been saved to %s\n", name.c_str(), hub::storedTokensFilePath().c_str());
        std::printf("Logged in as %s; the active token is `%s` (%s).\n", who->name.c_str(), name.c_str(),
                    hub::tokenFilePath().c_str());
        if (std::getenv("HF_TOKEN") != nullptr || std::getenv("HUGGING_FACE_HUB_TOKEN") != nullptr)
            std::fprintf(stderr, "lathe: warning: a token in the environment (HF_TOKEN) takes precedence over the "
                                 "saved one\n");
        exitCode = 0;
    });
}

}  // namespace lathe::cli
