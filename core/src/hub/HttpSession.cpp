#include "hub/HttpSession.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <mutex>

namespace lathe::hub::detail {

namespace {

std::once_flag g_curlInit;

struct TransferState {
    const HttpRequest* request = nullptr;
    HttpResponse* response = nullptr;
    CURL* curl = nullptr;
};

std::string lower(std::string s)
{
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

std::string trim(const std::string& s)
{
    const auto b = s.find_first_not_of(" \t\r\n");
    if (b == std::string::npos) return {};
    const auto e = s.find_last_not_of(" \t\r\n");
    return s.substr(b, e - b + 1);
}

size_t onHeader(char* data, size_t size, size_t count, void* user)
{
    auto* state = static_cast<TransferState*>(user);
    const std::string line(data, size * count);
    if (line.rfind("HTTP/", 0) == 0) {
        state->response->headers.items.clear();  // a new response (after 100 Continue)
        return size * count;
    }
    const auto colon = line.find(':');
    if (colon != std::string::npos)
        state->response->headers.items.emplace_back(lower(trim(line.substr(0, colon))), trim(line.substr(colon + 1)));
    return size * count;
}

size_t onWrite(char* data, size_t size, size_t count, void* user)
{
    auto* state = static_cast<TransferState*>(user);
    const size_t n = size * count;
    long status = 0;
    curl_easy_getinfo(state->curl, CURLINFO_RESPONSE_CODE, &status);
    state->response->bodyBytes += static_cast<std::int64_t>(n);
    if (status >= 200 && status < 300 && state->request->onBody) {
        if (!state->request->onBody(status, state->response->headers, data, n)) {
            state->response->aborted = true;
            return 0;
        }
        return n;
    }
    constexpr size_t kMaxErrorBody = 1 << 20;
    if (state->response->body.size() < kMaxErrorBody) state->response->body.append(data, std::min(n, kMaxErrorBody));
    return n;
}

int onProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t)
{
    auto* state = static_cast<TransferState*>(user);
    if (state->request->stop != nullptr && state->request->stop->stopRequested()) {
        state->response->cancelled = true;
        return 1;
    }
    return 0;
}

}  // namespace

std::string HttpHeaders::get(const std::string& lowerName) const
{
    for (const auto& [k, v] : items)
        if (k == lowerName) return v;
    return {};
}

bool HttpHeaders::has(const std::string& lowerName) const
{
    for (const auto& kv : items)
        if (kv.first == lowerName) return true;
    return false;
}

HttpSession::HttpSession(const HubConfig& config) : m_config(config)
{
    std::call_once(g_curlInit, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    m_curl = curl_easy_init();
}

HttpSession::~HttpSession()
{
    if (m_curl != nullptr) curl_easy_cleanup(static_cast<CURL*>(m_curl));
}

HttpResponse HttpSession::perform(const HttpRequest& request)
{
    HttpResponse response;
    CURL* curl = static_cast<CURL*>(m_curl);
    if (curl == nullptr) {
        response.transportError = true;
        response.transportMessage = "libcurl could not be initialised";
        return response;
    }
    curl_easy_reset(curl);  // keeps the connection cache
    TransferState state{&request, &response, curl};
    char errorBuffer[CURL_ERROR_SIZE] = {0};

    curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errorBuffer);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, m_config.connectTimeoutMs);
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, m_config.stallTimeoutSeconds);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, m_config.userAgent.c_str());
    curl_easy_setopt(curl, CURLOPT_BUFFERSIZE, 512L * 1024L);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, onHeader);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &state);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, onWrite);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &state);
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, onProgress);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &state);
    if (request.method == "HEAD") {
        curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
    } else if (request.method == "POST") {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.c_str());
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(request.body.size()));
    } else if (request.method != "GET") {
        curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    }

    curl_slist* headers = nullptr;
    for (const auto& h : request.headers) headers = curl_slist_append(headers, h.c_str());
    if (headers != nullptr) curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);

    const CURLcode rc = curl_easy_perform(curl);
    curl_slist_free_all(headers);
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    response.status = status;
    if (rc != CURLE_OK) {
        response.transportError = !response.aborted && !response.cancelled;
        response.transportMessage = errorBuffer[0] != '\0' ? errorBuffer : curl_easy_strerror(rc);
        if (rc == CURLE_ABORTED_BY_CALLBACK && request.stop != nullptr && request.stop->stopRequested())
            response.cancelled = true, response.transportError = false;
    }
    return response;
}

std::int64_t contentRangeStart(const std::string& header)
{
    const auto pos = header.find("bytes ");
    if (pos == std::string::npos) return -1;
    try {
        return std::stoll(header.substr(pos + 6));
    } catch (const std::exception&) {
        return -1;
    }
}

}  // namespace lathe::hub::detail
