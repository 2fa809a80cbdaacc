#include "lathe/hub/HubConfig.h"

#include "common/PathUtil.h"
#include "lathe/hub/HubToken.h"

#include <algorithm>
#include <cctype>

namespace lathe::hub {

bool isTruthy(const std::string& value)
{
    std::string v;
    for (char c : value) v += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return v == "1" || v == "ON" || v == "YES" || v == "TRUE";
}

HubConfig HubConfig::fromEnvironment()
{
    HubConfig config;
    if (auto ep = envValue("HF_ENDPOINT")) {
        std::string e = *ep;
        while (!e.empty() && e.back() == '/') e.pop_back();
        if (!e.empty()) config.endpoint = e;
    }
    config.offline = isTruthy(envValue("HF_HUB_OFFLINE").value_or("")) ||
                     isTruthy(envValue("TRANSFORMERS_OFFLINE").value_or(""));
    config.implicitToken = !isTruthy(envValue("HF_HUB_DISABLE_IMPLICIT_TOKEN").value_or(""));
    config.disableSymlinks = isTruthy(envValue("HF_HUB_DISABLE_SYMLINKS").value_or(""));
    config.cacheDir = hubCacheDirectory();
    return config;
}

}  // namespace lathe::hub
