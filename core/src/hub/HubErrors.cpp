#include "hub/HubErrors.h"

#include <nlohmann/json.hpp>

namespace lathe::hub::detail {

std::string hubErrorCode(const HttpResponse& response) { return response.headers.get("x-error-code"); }

std::string hubErrorMessage(const HttpResponse& response)
{
    std::string msg = response.headers.get("x-error-message");
    if (!msg.empty()) return msg;
    try {
        const auto j = nlohmann::json::parse(response.body);
        if (j.is_object() && j.contains("error") && j["error"].is_string()) return j["error"].get<std::string>();
    } catch (const std::exception&) {
    }
    return {};
}

Error errorFromResponse(const HttpResponse& response, const RequestContext& ctx)
{
    const std::string what = ctx.file.empty() ? (ctx.repoId.empty() ? ctx.url : ctx.repoId)
                                              : "'" + ctx.file + "' of " + ctx.repoId;
    const std::string repoUrl = ctx.endpoint + "/" + ctx.repoId;
    if (response.cancelled) return makeError(ErrorCode::Cancelled, "cancelled while fetching " + what);
    if (response.transportError) {
        return makeError(ErrorCode::Network,
                         "cannot reach " + ctx.url + " (" + response.transportMessage + ")" +
                             (ctx.attempts > 1 ? " after " + std::to_string(ctx.attempts) + " attempts" : "") +
                             ": check the network connection and proxy settings (HTTPS_PROXY), or set "
                             "HF_HUB_OFFLINE=1 to use models already in the cache");
    }
    const std::string code = hubErrorCode(response);
    const std::string message = hubErrorMessage(response);
    const long status = response.status;
    const bool hadToken = !ctx.tokenSource.empty();

    if (status == 401 && message.find("Invalid credentials") != std::string::npos) {
        return makeError(ErrorCode::Auth, "the Hugging Face token from " + ctx.tokenSource +
                                              " was rejected by " + ctx.endpoint +
                                              " (invalid or expired): create a new token and run `lathe login`, "
                                              "or unset HF_TOKEN / run `lathe logout` to continue anonymously");
    }
    if (code == "GatedRepo") {
        if (status == 401 || !hadToken)
            return makeError(ErrorCode::Auth, ctx.repoId + " is a gated model: accept its licence at " + repoUrl +
                                                  ", then `lathe login` with a token of that account");
        return makeError(ErrorCode::Auth, "this account has not been granted access to the gated model " + ctx.repoId +
                                              " yet (token from " + ctx.tokenSource + "): request access at " +
                                              repoUrl + " and wait for the authors to approve it");
    }
    if (code == "RevisionNotFound")
        return makeError(ErrorCode::NotFound, "revision '" + ctx.revision + "' not found in " + ctx.repoId +
                                                  ": check the branch, tag or commit name");
    if (code == "EntryNotFound")
        return makeError(ErrorCode::NotFound, "file '" + ctx.file + "' not found in " + ctx.repoId + " at revision '" +
                                                  ctx.revision + "'");
    if (code == "RepoNotFound" || ((status == 401 || status == 404) && !ctx.repoId.empty())) {
        if (!hadToken)
            return makeError(ErrorCode::NotFound, "repository " + ctx.repoId + " not found at " + ctx.endpoint +
                                                      ": check the id (Org/Name); if it is private, run `lathe login` "
                                                      "with a token that can read it");
        return makeError(ErrorCode::NotFound, "repository " + ctx.repoId + " not found at " + ctx.endpoint +
                                                  ", or not visible to the token from " + ctx.tokenSource +
                                                  ": check the id and the token's permissions");
    }
    if (status == 401)
        return makeError(ErrorCode::Auth, ctx.url + " needs a Hugging Face token: run `lathe login`");
    if (status == 403)
        return makeError(ErrorCode::Auth, "access to " + what + " was refused (" +
                                              (message.empty() ? std::string("HTTP 403") : message) +
                                              "): the token may lack the permission (scope) this needs");
    if (status == 404) return makeError(ErrorCode::NotFound, "not found: " + ctx.url);
    if (status == 429)
        return makeError(ErrorCode::Network, ctx.endpoint + " is rate-limiting requests (HTTP 429 after " +
                                                 std::to_string(ctx.attempts) +
                                                 " attempts): wait a few minutes and try again");
    if (status >= 500)
        return makeError(ErrorCode::Network, "the Hub answered HTTP " + std::to_string(status) + " for " + ctx.url +
                                                 " after " + std::to_string(ctx.attempts) +
                                                 " attempts: try again later");
    return makeError(ErrorCode::Network, "unexpected HTTP " + std::to_string(status) + " for " + ctx.url +
                                             (message.empty() ? std::string() : ": " + message));
}

}  // namespace lathe::hub::detail
