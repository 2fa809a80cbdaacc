#include "hub/Retry.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <thread>

namespace lathe::hub::detail {

bool isRetryable(const HttpResponse& response)
{
    if (response.cancelled || response.aborted) return false;
    if (response.transportError) return true;
    switch (response.status) {
    case 408: case 429: case 500: case 502: case 503: case 504: return true;
    default: return false;
    }
}

static bool parseNumber(const std::string& text, double& out)
{
    if (text.empty()) return false;
    char* end = nullptr;
    out = std::strtod(text.c_str(), &end);
    return end != text.c_str() && std::isfinite(out) && out >= 0;
}

double retryWaitSeconds(const HttpResponse& response, int attempt, const RetrySettings& settings)
{
    if (response.status == 429) {
        // `ratelimit: "api";r=0;t=42`: the window resets in t seconds when no request remains.
        const std::string rl = response.headers.get("ratelimit");
        const auto rPos = rl.find(";r=");
        const auto tPos = rl.find(";t=");
        double r = 1, t = 0;
        if (rPos != std::string::npos && tPos != std::string::npos &&
            parseNumber(rl.substr(rPos + 3, rl.find(';', rPos + 3) - rPos - 3), r) &&
            parseNumber(rl.substr(tPos + 3, rl.find(';', tPos + 3) - tPos - 3), t) && r == 0)
            return t + 1;
    }
    double retryAfter = 0;
    if (parseNumber(response.headers.get("retry-after"), retryAfter)) return retryAfter;
    return std::min(settings.maxBackoffSeconds, std::pow(2.0, attempt));
}

bool waitBeforeRetry(double seconds, const RetrySettings& settings, const StopToken* stop)
{
    const auto until = std::chrono::steady_clock::now() +
                       std::chrono::microseconds(static_cast<long long>(seconds * settings.waitScale * 1e6));
    while (std::chrono::steady_clock::now() < until) {
        if (stop != nullptr && stop->stopRequested()) return false;
        const auto left = until - std::chrono::steady_clock::now();
        std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(left, std::chrono::milliseconds(50)));
    }
    return stop == nullptr || !stop->stopRequested();
}

}  // namespace lathe::hub::detail
