#pragma once

#include "compile/StepProgress.h"
#include "lathe/common/Progress.h"
#include "lathe/common/Result.h"

#include <cstddef>
#include <string>

namespace lathe::compile {

inline Error compileCancelled()
{
    return makeError(ErrorCode::Cancelled, "compile cancelled");
}

// Runs body(sample) for every calibration sample, one progress step each, checking `stop` before each sample.
template <typename Body>
Result<void> forEachSample(size_t samples, StepProgress& progress, const StopToken& stop, const std::string& detail,
                           Body&& body)
{
    for (size_t s = 0; s < samples; ++s) {
        if (stop.stopRequested()) return compileCancelled();
        LATHE_TRY(body(s));
        progress.advance(detail);
    }
    return {};
}

// Keeps the first error raised inside a projection callback, which cannot return one itself.
class FirstError {
public:
    void keep(const Result<void>& r)
    {
        if (m_status.ok() && !r.ok()) m_status = r.error();
    }
    const Result<void>& status() const { return m_status; }

private:
    Result<void> m_status;
};

}  // namespace lathe::compile
