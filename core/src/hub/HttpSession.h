#pragma once

#include "lathe/common/Progress.h"
#include "lathe/hub/HubConfig.h"

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace lathe::hub::detail {

struct HttpHeaders {
    std::vector<std::pair<std::string, std::string>> items;  // names lowercased
    std::string get(const std::string& lowerName) const;
    bool has(const std::string& lowerName) const;
};

// Start of a `Content-Range: bytes N-M/T` header; -1 when absent or malformed.
std::int64_t contentRangeStart(const std::string& header);

struct HttpRequest {
    std::string method = "GET";  // GET, HEAD, POST
    std::string url;
    std::vector<std::string> headers;  // "Name: value"
    std::string body;
    // Receives the body of 2xx responses; returning false aborts the transfer (e.g. a write failed).
    // Bodies of other statuses are collected in HttpResponse::body.
    std::function<bool(long status, const HttpHeaders& headers, const char* data, std::size_t size)> onBody;
    const StopToken* stop = nullptr;
};

struct HttpResponse {
    long status = 0;
    HttpHeaders headers;
    std::string body;
    bool transportError = false;  // no complete HTTP response (refused, reset, truncated, timed out)
    std::string transportMessage;
    bool cancelled = false;       // the stop token fired
    bool aborted = false;         // onBody returned false
    std::int64_t bodyBytes = 0;

    bool is2xx() const { return !transportError && status >= 200 && status < 300; }
};

// One libcurl easy handle (connections are reused between requests). Never follows redirects by itself,
// never asks for compressed bodies, verifies TLS peers and host names, and takes proxies from the
// environment (http_proxy, HTTPS_PROXY, NO_PROXY) as libcurl does.
class HttpSession {
public:
    explicit HttpSession(const HubConfig& config);
    ~HttpSession();
    HttpSession(const HttpSession&) = delete;
    HttpSession& operator=(const HttpSession&) = delete;

    HttpResponse perform(const HttpRequest& request);

private:
    void* m_curl = nullptr;
    HubConfig m_config;
};

}  // namespace lathe::hub::detail
