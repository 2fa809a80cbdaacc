#pragma once

#include "hub/HttpSession.h"
#include "hub/HubErrors.h"
#include "lathe/hub/HubClient.h"

#include <optional>
#include <string>
#include <vector>

namespace lathe::hub {

// What a HEAD on a resolve URL tells (file_download.py's get_hf_file_metadata).
struct FileMetadata {
    std::string commit;
    std::string etag;
    std::int64_t size = -1;
    std::string location;  // where the bytes are: a CDN URL or the resolve URL itself
};

// The `rel="next"` URL of a Link header (Hub list endpoints page with it); empty when there is none.
std::string nextPageLink(const std::string& linkHeader);

class HubClient::Impl {
public:
    explicit Impl(HubConfig cfg);

    HubConfig config;
    std::optional<HubToken> token;
    detail::HttpSession http;

    // The Authorization header goes only to the configured endpoint's scheme, host and port.
    std::vector<std::string> headersFor(const std::string& url) const;
    detail::RequestContext context(const std::string& url, const std::string& repoId = {},
                                   const std::string& revision = {}, const std::string& file = {}) const;
    std::optional<Error> offlineError(const std::string& what) const;

    // Sends with retries on 408/429/5xx and transport errors; `ctx.attempts` tells how many were made.
    detail::HttpResponse send(detail::HttpRequest request, detail::RequestContext& ctx);

    // GET returning the body of a 2xx response, else a mapped Error.
    Result<std::string> getBody(const std::string& url, detail::RequestContext ctx, const StopToken& stop,
                                detail::HttpHeaders* headersOut = nullptr);

    std::string resolveUrl(const std::string& repoId, const std::string& revision, const std::string& path) const;
    std::string apiModelUrl(const std::string& repoId) const;

    // HEAD without following absolute redirects; relative ones (renamed repos) are followed with auth.
    Result<FileMetadata> headFile(const std::string& repoId, const std::string& revision, const std::string& path,
                                  const StopToken& stop);
    // The same HEAD on an explicit resolve URL (dataset repos live under /datasets/<id>/resolve/...).
    Result<FileMetadata> headUrl(std::string url, const std::string& repoId, const std::string& revision,
                                 const std::string& path, const StopToken& stop);

    Result<ModelInfo> fetchModelInfo(const std::string& repoId, const std::string& revision, const StopToken& stop);
    Result<Access> fetchAccess(const std::string& repoId, const StopToken& stop);
    Result<WhoAmI> fetchWhoami(const std::string& token);
    Result<std::vector<ModelSummary>> search(const SearchQuery& query, const StopToken& stop);
    Result<DownloadResult> download(const std::string& repoId, const std::string& revision,
                                    const DownloadOptions& options, const ProgressFn& progress, const StopToken& stop);
};

}  // namespace lathe::hub
