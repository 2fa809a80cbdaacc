#pragma once

#include "hub/HttpSession.h"
#include "lathe/common/Progress.h"
#include "lathe/hub/HubConfig.h"

namespace lathe::hub::detail {

// 408, 429, 500, 502, 503, 504, or no complete response: worth another try.
bool isRetryable(const HttpResponse& response);

// Seconds to wait before retry number `attempt` (0-based), before scaling: `ratelimit: ...;r=0;t=N` asks for
// N+1, a numeric Retry-After for its value, otherwise 1, 2, 4, 8, 8.
double retryWaitSeconds(const HttpResponse& response, int attempt, const RetrySettings& settings);

// Sleeps `seconds * settings.waitScale` in short slices; false when the stop token fired.
bool waitBeforeRetry(double seconds, const RetrySettings& settings, const StopToken* stop);

}  // namespace lathe::hub::detail
