#include "lathe/hub/HubClient.h"

#include "common/PathUtil.h"
#include "hub/HubClientImpl.h"
#include "hub/Retry.h"
#include "hub/Url.h"

#include <nlohmann/json.hpp>

#include <map>
#include <mutex>

namespace lathe::hub {

using detail::HttpRequest;
using detail::HttpResponse;
using detail::RequestContext;
using json = nlohmann::json;

const char* gatedModeName(GatedMode mode)
{
    switch (mode) {
    case GatedMode::None: return "false";
    case GatedMode::Auto: return "auto";
    case GatedMode::Manual: return "manual";
    }
    return "false";
}

HubClient::Impl::Impl(HubConfig cfg) : config(std::move(cfg)), http(config)
{
    if (config.token) {
        const std::string t = cleanToken(*config.token);
        if (!t.empty()) token = HubToken{t, TokenSource::Explicit, "config"};
    } else if (config.implicitToken) {
        token = findToken();
    }
}

std::vector<std::string> HubClient::Impl::headersFor(const std::string& url) const
{
    std::vector<std::string> h;
    if (token && detail::sameOrigin(url, config.endpoint)) h.push_back("Authorization: Bearer " + token->value);
    return h;
}

RequestContext HubClient::Impl::context(const std::string& url, const std::string& repoId, const std::string& revision,
                                        const std::string& file) const
{
    RequestContext ctx;
    ctx.endpoint = config.endpoint;
    ctx.url = url;
    ctx.repoId = repoId;
    ctx.revision = revision;
    ctx.file = file;
    if (token && detail::sameOrigin(url, config.endpoint)) ctx.tokenSource = token->describe();
    return ctx;
}

std::optional<Error> HubClient::Impl::offlineError(const std::string& what) const
{
    if (!config.offline) return std::nullopt;
    return makeError(ErrorCode::Network, what + " needs the network, but offline mode is on (HF_HUB_OFFLINE=1): "
                                                "unset HF_HUB_OFFLINE to reach " + config.endpoint);
}

HttpResponse HubClient::Impl::send(HttpRequest request, RequestContext& ctx)
{
    detail::Backoff backoff(config.retry, request.stop);
    for (;;) {
        HttpResponse response = http.perform(request);
        ctx.attempts = backoff.failures() + 1;
        if (!detail::isRetryable(response) || !backoff.fail()) return response;
        if (!backoff.wait(response)) {
            response.cancelled = true;
            return response;
        }
    }
}

Result<std::string> HubClient::Impl::getBody(const std::string& url, RequestContext ctx, const StopToken& stop,
                                             detail::HttpHeaders* headersOut)
{
    if (auto e = offlineError("fetching " + url)) return *e;
    std::string body;
    std::string current = url;
    for (int hop = 0; hop < 5; ++hop) {
        HttpRequest req;
        req.url = current;
        req.headers = headersFor(current);
        req.stop = &stop;
        req.onBody = [&body](long, const detail::HttpHeaders&, const char* data, std::size_t n) {
            body.append(data, n);
            return true;
        };
        ctx.url = current;
        HttpResponse resp = send(req, ctx);
        const std::string location = resp.headers.get("location");
        // Renamed repos answer API calls with a redirect on the same server.
        if (!resp.transportError && resp.status >= 300 && resp.status < 400 && !location.empty() &&
            detail::sameOrigin(detail::resolveUrl(current, location), config.endpoint)) {
            current = detail::resolveUrl(current, location);
            body.clear();
            continue;
        }
        if (!resp.is2xx()) return detail::errorFromResponse(resp, ctx);
        if (headersOut != nullptr) *headersOut = resp.headers;
        return body;
    }
    return makeError(ErrorCode::Network, "too many redirects fetching " + url);
}

std::string HubClient::Impl::resolveUrl(const std::string& repoId, const std::string& revision,
                                        const std::string& path) const
{
    return config.endpoint + "/" + repoId + "/resolve/" + detail::urlEncode(revision) + "/" +
           detail::urlEncode(path, true);
}

std::string HubClient::Impl::apiModelUrl(const std::string& repoId) const
{
    return config.endpoint + "/api/models/" + repoId;
}

static std::string stripEtag(std::string etag)
{
    if (etag.rfind("W/", 0) == 0) etag = etag.substr(2);
    if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') etag = etag.substr(1, etag.size() - 2);
    return etag;
}

Result<FileMetadata> HubClient::Impl::headFile(const std::string& repoId, const std::string& revision,
                                               const std::string& path, const StopToken& stop)
{
    return headUrl(resolveUrl(repoId, revision, path), repoId, revision, path, stop);
}

Result<FileMetadata> HubClient::Impl::headUrl(std::string url, const std::string& repoId, const std::string& revision,
                                              const std::string& path, const StopToken& stop)
{
    if (auto e = offlineError("resolving " + path)) return *e;
    for (int hop = 0; hop < 10; ++hop) {
        HttpRequest req;
        req.method = "HEAD";
        req.url = url;
        req.headers = headersFor(url);
        req.headers.push_back("Accept-Encoding: identity");
        req.stop = &stop;
        RequestContext ctx = context(url, repoId, revision, path);
        HttpResponse resp = send(req, ctx);
        const std::string location = resp.headers.get("location");
        if (!resp.transportError && resp.status >= 300 && resp.status < 400 && !location.empty() &&
            detail::isRelativeLocation(location)) {
            url = detail::resolveUrl(url, location);  // a renamed repo: same server, keep the token
            continue;
        }
        const bool redirect = !resp.transportError && resp.status >= 300 && resp.status < 400;
        if (!resp.is2xx() && !redirect) return detail::errorFromResponse(resp, ctx);
        FileMetadata meta;
        meta.commit = resp.headers.get("x-repo-commit");
        if (meta.commit.empty())
            return makeError(ErrorCode::Network, url + " answered without X-Repo-Commit: " + config.endpoint +
                                                     " does not behave like a Hugging Face Hub (check HF_ENDPOINT)");
        meta.etag = stripEtag(resp.headers.has("x-linked-etag") ? resp.headers.get("x-linked-etag")
                                                                 : resp.headers.get("etag"));
        // A redirect's Content-Length is the size of the redirect body, never the file's.
        std::string size = resp.headers.get("x-linked-size");
        if (size.empty() && resp.is2xx()) size = resp.headers.get("content-length");
        if (!size.empty()) {
            try {
                meta.size = std::stoll(size);
            } catch (const std::exception&) {
                meta.size = -1;
            }
        }
        meta.location = redirect ? detail::resolveUrl(url, location) : url;
        if (meta.etag.empty() || meta.size < 0)
            return makeError(ErrorCode::Network, url + " answered without an ETag or size: cannot download '" + path +
                                                     "' safely");
        return meta;
    }
    return makeError(ErrorCode::Network, "too many redirects resolving " + url);
}

static GatedMode parseGated(const json& j)
{
    if (!j.contains("gated")) return GatedMode::None;
    const auto& g = j["gated"];
    if (g.is_string()) return g.get<std::string>() == "manual" ? GatedMode::Manual : GatedMode::Auto;
    if (g.is_boolean() && g.get<bool>()) return GatedMode::Auto;
    return GatedMode::None;
}

static std::int64_t parameterCountOf(const json& j)
{
    if (j.contains("safetensors") && j["safetensors"].is_object()) {
        const auto& st = j["safetensors"];
        if (st.contains("total") && st["total"].is_number()) return st["total"].get<std::int64_t>();
    }
    return 0;
}

static ModelInfo parseModelInfo(const json& j)
{
    ModelInfo info;
    info.id = j.value("id", "");
    info.sha = j.value("sha", "");
    info.isPrivate = j.value("private", false);
    info.gated = parseGated(j);
    info.parameterCount = parameterCountOf(j);
    info.pipelineTag = j.value("pipeline_tag", "");
    if (j.contains("config") && j["config"].is_object()) {
        const auto& c = j["config"];
        info.modelType = c.value("model_type", "");
        if (c.contains("architectures") && c["architectures"].is_array())
            for (const auto& a : c["architectures"])
                if (a.is_string()) info.architectures.push_back(a.get<std::string>());
    }
    if (j.contains("cardData") && j["cardData"].is_object() && j["cardData"].contains("license") &&
        j["cardData"]["license"].is_string())
        info.license = j["cardData"]["license"].get<std::string>();
    if (info.license.empty() && j.contains("tags") && j["tags"].is_array())
        for (const auto& t : j["tags"])
            if (t.is_string() && t.get<std::string>().rfind("license:", 0) == 0) info.license = t.get<std::string>().substr(8);
    if (j.contains("siblings") && j["siblings"].is_array()) {
        for (const auto& s : j["siblings"]) {
            RepoFile f;
            f.path = s.value("rfilename", "");
            if (s.contains("size") && s["size"].is_number()) f.size = s["size"].get<std::int64_t>();
            f.blobId = s.value("blobId", "");
            if (s.contains("lfs") && s["lfs"].is_object()) {
                f.lfsSha256 = s["lfs"].value("sha256", "");
                if (s["lfs"].contains("size") && s["lfs"]["size"].is_number()) f.size = s["lfs"]["size"].get<std::int64_t>();
            }
            info.files.push_back(std::move(f));
        }
    }
    return info;
}

Result<ModelInfo> HubClient::Impl::fetchModelInfo(const std::string& repoId, const std::string& revision,
                                                  const StopToken& stop)
{
    const std::string url = apiModelUrl(repoId) + "/revision/" + detail::urlEncode(revision) + "?blobs=true";
    auto body = getBody(url, context(url, repoId, revision), stop);
    if (!body) return body.error();
    try {
        ModelInfo info = parseModelInfo(json::parse(*body));
        if (!isCommitHash(info.sha))
            return makeError(ErrorCode::Network, url + " returned no commit sha: check HF_ENDPOINT");
        return info;
    } catch (const std::exception& e) {
        return makeError(ErrorCode::Network, "unreadable model info from " + url + ": " + e.what());
    }
}

Result<Access> HubClient::Impl::fetchAccess(const std::string& repoId, const StopToken& stop)
{
    if (auto e = offlineError("checking access to " + repoId)) return *e;
    const std::string url = apiModelUrl(repoId) + "/auth-check";
    HttpRequest req;
    req.url = url;
    req.headers = headersFor(url);
    req.stop = &stop;
    RequestContext ctx = context(url, repoId);
    HttpResponse resp = send(req, ctx);
    if (resp.is2xx()) return Access::Granted;
    if (detail::hubErrorCode(resp) == "GatedRepo") return resp.status == 403 ? Access::NotApproved : Access::NeedsLogin;
    return detail::errorFromResponse(resp, ctx);
}

namespace {
std::mutex g_whoamiMutex;
std::map<std::string, WhoAmI> g_whoamiCache;  // endpoint + '\n' + token
}  // namespace

Result<WhoAmI> HubClient::Impl::fetchWhoami(const std::string& explicitToken)
{
    std::string tok = explicitToken.empty() ? (token ? token->value : std::string()) : cleanToken(explicitToken);
    if (tok.empty())
        return makeError(ErrorCode::Auth, "not logged in: run `lathe login --token <token>` (create a token at " +
                                              config.endpoint + "/settings/tokens) or set HF_TOKEN");
    const std::string key = config.endpoint + "\n" + tok;
    {
        std::lock_guard<std::mutex> lock(g_whoamiMutex);
        if (auto it = g_whoamiCache.find(key); it != g_whoamiCache.end()) return it->second;
    }
    if (auto e = offlineError("checking the token")) return *e;
    const std::string url = config.endpoint + "/api/whoami-v2";
    HttpRequest req;
    req.url = url;
    req.headers.push_back("Authorization: Bearer " + tok);
    StopToken stop;
    req.stop = &stop;
    RequestContext ctx = context(url);
    ctx.tokenSource = explicitToken.empty() && token ? token->describe() : "the token given";
    HttpResponse resp = send(req, ctx);
    if (!resp.is2xx()) {
        if (resp.status == 401)
            return makeError(ErrorCode::Auth, "the Hugging Face token from " + ctx.tokenSource +
                                                  " is invalid or expired (" + url +
                                                  " answered 401): create a new token at " + config.endpoint +
                                                  "/settings/tokens and run `lathe login`");
        return detail::errorFromResponse(resp, ctx);
    }
    try {
        const auto j = json::parse(resp.body);
        WhoAmI w;
        w.name = j.value("name", "");
        w.fullname = j.value("fullname", "");
        w.type = j.value("type", "");
        if (j.contains("orgs") && j["orgs"].is_array())
            for (const auto& o : j["orgs"])
                if (o.is_object()) w.orgs.push_back(o.value("name", ""));
        if (j.contains("auth") && j["auth"].is_object() && j["auth"].contains("accessToken") &&
            j["auth"]["accessToken"].is_object()) {
            w.tokenName = j["auth"]["accessToken"].value("displayName", "");
            w.tokenRole = j["auth"]["accessToken"].value("role", "");
        }
        std::lock_guard<std::mutex> lock(g_whoamiMutex);
        g_whoamiCache[key] = w;
        return w;
    } catch (const std::exception& e) {
        return makeError(ErrorCode::Network, "unreadable answer from " + url + ": " + e.what());
    }
}

std::string nextPageLink(const std::string& link)
{
    // Link: <https://huggingface.co/api/models?cursor=...>; rel="next"
    std::size_t pos = 0;
    while (pos < link.size()) {
        const auto lt = link.find('<', pos);
        if (lt == std::string::npos) break;
        const auto gt = link.find('>', lt);
        if (gt == std::string::npos) break;
        const auto end = link.find(',', gt);
        const std::string params = link.substr(gt + 1, end == std::string::npos ? std::string::npos : end - gt - 1);
        if (params.find("rel=\"next\"") != std::string::npos || params.find("rel=next") != std::string::npos)
            return link.substr(lt + 1, gt - lt - 1);
        if (end == std::string::npos) break;
        pos = end + 1;
    }
    return {};
}

Result<std::vector<ModelSummary>> HubClient::Impl::search(const SearchQuery& query, const StopToken& stop)
{
    if (query.limit <= 0) return makeError(ErrorCode::InvalidArgument, "the search limit must be positive");
    static const char* sorts[] = {"downloads", "likes", "lastModified", "createdAt", "trendingScore"};
    if (std::find(std::begin(sorts), std::end(sorts), query.sort) == std::end(sorts))
        return makeError(ErrorCode::InvalidArgument, "unknown sort '" + query.sort +
                                                         "': use downloads, likes, lastModified, createdAt or trendingScore");
    std::string url = config.endpoint + "/api/models?";
    if (!query.search.empty()) url += "search=" + detail::urlEncode(query.search) + "&";
    if (!query.author.empty()) url += "author=" + detail::urlEncode(query.author) + "&";
    url += "sort=" + query.sort + "&limit=" + std::to_string(std::min(query.limit, 1000));
    for (const char* e : {"downloads", "likes", "gated", "lastModified", "pipeline_tag", "safetensors"})
        url += std::string("&expand=") + e;
    std::vector<ModelSummary> out;
    while (!url.empty() && static_cast<int>(out.size()) < query.limit) {
        detail::HttpHeaders headers;
        auto body = getBody(url, context(url), stop, &headers);
        if (!body) return body.error();
        try {
            const auto page = json::parse(*body);
            if (!page.is_array()) return makeError(ErrorCode::Network, url + " did not return a list of models");
            for (const auto& m : page) {
                if (static_cast<int>(out.size()) >= query.limit) break;
                ModelSummary s;
                s.id = m.value("id", m.value("modelId", ""));
                if (m.contains("downloads") && m["downloads"].is_number()) s.downloads = m["downloads"].get<std::int64_t>();
                if (m.contains("likes") && m["likes"].is_number()) s.likes = m["likes"].get<std::int64_t>();
                s.gated = parseGated(m);
                s.lastModified = m.value("lastModified", "");
                s.pipelineTag = m.value("pipeline_tag", "");
                s.parameterCount = parameterCountOf(m);
                out.push_back(std::move(s));
            }
        } catch (const std::exception& e) {
            return makeError(ErrorCode::Network, "unreadable model list from " + url + ": " + e.what());
        }
        const std::string next = nextPageLink(headers.get("link"));
        url = next.empty() ? std::string() : detail::resolveUrl(url, next);
    }
    return out;
}

// ---- public facade ----

HubClient::HubClient(HubConfig config) : m_impl(std::make_unique<Impl>(std::move(config))) {}
HubClient::~HubClient() = default;

const HubConfig& HubClient::config() const { return m_impl->config; }
const std::optional<HubToken>& HubClient::token() const { return m_impl->token; }

Result<WhoAmI> HubClient::whoami(const std::string& token)
{
    try {
        return m_impl->fetchWhoami(token);
    } catch (const std::exception& e) {
        return makeError(ErrorCode::Internal, std::string("whoami failed: ") + e.what());
    }
}

Result<std::vector<ModelSummary>> HubClient::searchModels(const SearchQuery& query, const StopToken& stop)
{
    try {
        return m_impl->search(query, stop);
    } catch (const std::exception& e) {
        return makeError(ErrorCode::Internal, std::string("model search failed: ") + e.what());
    }
}

Result<ModelInfo> HubClient::modelInfo(const std::string& repoId, const std::string& revision, const StopToken& stop)
{
    try {
        auto info = m_impl->fetchModelInfo(repoId, revision, stop);
        if (!info) return info;
        auto access = m_impl->fetchAccess(repoId, stop);
        info->access = access ? *access : Access::Unknown;
        return info;
    } catch (const std::exception& e) {
        return makeError(ErrorCode::Internal, "reading model info of " + repoId + " failed: " + e.what());
    }
}

Result<Access> HubClient::checkAccess(const std::string& repoId, const StopToken& stop)
{
    try {
        return m_impl->fetchAccess(repoId, stop);
    } catch (const std::exception& e) {
        return makeError(ErrorCode::Internal, "access check of " + repoId + " failed: " + e.what());
    }
}

Result<DownloadResult> HubClient::downloadModel(const std::string& repoId, const std::string& revision,
                                                const DownloadOptions& options, const ProgressFn& progress,
                                                const StopToken& stop)
{
    try {
        return m_impl->download(repoId, revision, options, progress, stop);
    } catch (const std::exception& e) {
        return makeError(ErrorCode::Internal, "downloading " + repoId + " failed: " + e.what());
    }
}

Result<DownloadResult> downloadModel(const std::string& repoId, const std::string& revision,
                                     const std::string& cacheDir, const ProgressFn& progress, const StopToken& stop)
{
    HubClient client;
    DownloadOptions options;
    options.cacheDir = cacheDir;
    return client.downloadModel(repoId, revision, options, progress, stop);
}

}  // namespace lathe::hub
