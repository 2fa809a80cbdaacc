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

// The retry policy every Hub request follows: a failed attempt counts against settings.maxRetries, progress
// (bytes that arrived) forgives the failures so far, and the wait before the next attempt (retryWaitSeconds)
// ends as soon as `stop` fires. `stop` may be null; it must outlive the Backoff.
class Backoff {
public:
    Backoff(const RetrySettings& settings, const StopToken* stop) : m_settings(settings), m_stop(stop) {}

    // Counts one failed attempt; false when it was one too many (give up).
    bool fail() { return ++m_failures <= m_settings.maxRetries; }
    void progressed() { m_failures = 0; }
    int failures() const { return m_failures; }

    // Waits before the next attempt as `response` and the failures so far ask; false when cancelled meanwhile.
    bool wait(const HttpResponse& response) const
    {
        return waitBeforeRetry(retryWaitSeconds(response, m_failures - 1, m_settings), m_settings, m_stop);
    }

private:
    const RetrySettings& m_settings;
    const StopToken* m_stop;
    int m_failures = 0;
};

}  // namespace lathe::hub::detail
