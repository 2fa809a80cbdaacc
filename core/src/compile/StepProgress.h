#pragma once

#include "lathe/common/Progress.h"

#include <cstdint>
#include <string>

namespace lathe::compile {

// Progress of a compile in one unit, "steps" (one calibration sample through one pass, one linear quantized), over
// the whole run, so a caller can estimate the time left from any report.
class StepProgress {
public:
    StepProgress(ProgressFn progress, int64_t total) : m_progress(std::move(progress)), m_total(total) {}

    // Passes over all samples per layer, and steps for a layer / the head with `samples` samples.
    static constexpr int64_t kLayerPasses = 5;
    static constexpr int64_t kHeadPasses = 2;
    static int64_t layerSteps(int64_t samples) { return kLayerPasses * samples + 7; }
    static int64_t headSteps(int64_t samples) { return kHeadPasses * samples + 1; }

    void setStage(std::string stage) { m_stage = std::move(stage); }
    void report(const std::string& detail) const
    {
        if (m_progress) m_progress({m_stage, detail, m_done, m_total, "steps"});
    }
    // Counts steps done without reporting (the layers an earlier run finished).
    void skip(int64_t steps) { m_done += steps; }
    void advance(const std::string& detail, int64_t steps = 1)
    {
        m_done += steps;
        report(detail);
    }
    int64_t done() const { return m_done; }
    int64_t total() const { return m_total; }

private:
    ProgressFn m_progress;
    std::string m_stage;
    int64_t m_done = 0;
    int64_t m_total = 0;
};

}  // namespace lathe::compile
