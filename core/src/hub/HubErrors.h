#pragma once

#include "hub/HttpSession.h"
#include "lathe/common/Result.h"

#include <string>

namespace lathe::hub::detail {

// What a request was about, so an HTTP failure turns into a message the user can act on.
struct RequestContext {
    std::string endpoint;
    std::string url;
    std::string repoId;
    std::string revision;
    std::string file;
    std::string tokenSource;  // HubToken::describe(), empty when no token was sent
    int attempts = 1;
};

// Reads X-Error-Code / X-Error-Message, then the JSON body's "error".
std::string hubErrorCode(const HttpResponse& response);
std::string hubErrorMessage(const HttpResponse& response);

// Maps a failed response (transport error or non-2xx) to an Error with a next step for the user.
Error errorFromResponse(const HttpResponse& response, const RequestContext& context);

}  // namespace lathe::hub::detail
