#include "hub/Url.h"

#include <curl/curl.h>

#include <cctype>
#include <cstdio>

namespace lathe::hub::detail {

std::string urlEncode(const std::string& text, bool keepSlash)
{
    std::string out;
    for (unsigned char c : text) {
        if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || (keepSlash && c == '/')) {
            out += static_cast<char>(c);
        } else {
            char buf[4];
            std::snprintf(buf, sizeof buf, "%%%02X", c);
            out += buf;
        }
    }
    return out;
}

std::string resolveUrl(const std::string& base, const std::string& location)
{
    CURLU* u = curl_url();
    std::string result;
    if (curl_url_set(u, CURLUPART_URL, base.c_str(), 0) == CURLUE_OK &&
        curl_url_set(u, CURLUPART_URL, location.c_str(), 0) == CURLUE_OK) {
        char* full = nullptr;
        if (curl_url_get(u, CURLUPART_URL, &full, 0) == CURLUE_OK) {
            result = full;
            curl_free(full);
        }
    }
    curl_url_cleanup(u);
    return result;
}

namespace {
struct Origin {
    std::string scheme, host, port;
    bool ok = false;
};

Origin originOf(const std::string& url)
{
    Origin o;
    CURLU* u = curl_url();
    if (curl_url_set(u, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK) {
        char *scheme = nullptr, *host = nullptr, *port = nullptr;
        if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
            curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
            curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK) {
            o.scheme = scheme;
            o.host = host;
            o.port = port;
            for (auto& c : o.host) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            o.ok = true;
        }
        curl_free(scheme);
        curl_free(host);
        curl_free(port);
    }
    curl_url_cleanup(u);
    return o;
}
}  // namespace

bool sameOrigin(const std::string& a, const std::string& b)
{
    const Origin x = originOf(a), y = originOf(b);
    return x.ok && y.ok && x.scheme == y.scheme && x.host == y.host && x.port == y.port;
}

bool isRelativeLocation(const std::string& location)
{
    if (location.rfind("//", 0) == 0) return false;
    const auto colon = location.find(':');
    const auto slash = location.find('/');
    return colon == std::string::npos || (slash != std::string::npos && slash < colon);
}

}  // namespace lathe::hub::detail
