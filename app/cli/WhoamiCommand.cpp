#include "CliSupport.h"

#include "lathe/hub/HubClient.h"

#include <CLI/CLI.hpp>

#include <cstdio>

namespace lathe::cli {

void addWhoamiCommand(CLI::App& app, int& exitCode)
{
    CLI::App* cmd = app.add_subcommand("whoami", "Show the Hugging Face account of the current token and its source");
    cmd->callback([&exitCode] {
        hub::HubClient client;
        if (!client.token()) {
            exitCode = reportError(makeError(ErrorCode::Auth, "not logged in: run `lathe login --token <token>` "
                                                              "or set HF_TOKEN"));
            return;
        }
        auto who = client.whoami();
        if (!who) {
            exitCode = reportError(who.error());
            return;
        }
        std::string orgs;
        for (const auto& o : who->orgs) orgs += (orgs.empty() ? "" : ", ") + o;
        std::printf("user:   %s\n", who->name.c_str());
        if (!orgs.empty()) std::printf("orgs:   %s\n", orgs.c_str());
        std::printf("token:  %s (%s), from %s\n", who->tokenName.empty() ? "-" : who->tokenName.c_str(),
                    who->tokenRole.empty() ? "unknown role" : who->tokenRole.c_str(), client.token()->describe().c_str());
        std::printf("hub:    %s\n", client.config().endpoint.c_str());
        exitCode = 0;
    });
}

}  // namespace lathe::cli
