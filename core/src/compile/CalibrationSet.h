#pragma once
// Private to core: exposes libtorch types.

#include "lathe/common/Progress.h"
#include "lathe/common/Result.h"

#include <ATen/ATen.h>

#include <cstdint>
#include <string>
#include <vector>

namespace lathe::compile {

// The calibration samples of one compile: every inputs_embeds_<i>.npy (and multilingual
// <language>_inputs_embeds_<i>.npy) under a folder (searched recursively), ordered by sub-folder, language, then i.
// Each is float32 [1, seq, hidden] as generate-calib writes them.
class CalibrationSet {
public:
    struct Sample {
        std::string path;
        int64_t tokens = 0;  // tokens used (the last sample may be cut by the token limit)
    };

    // Reads and checks every sample: shape [1, seq, hidden] with the model's hidden size, 1 <= seq <=
    // maxPositions, finite values. maxTokens > 0 keeps samples in order until that many tokens (cutting the last).
    // Errors: NotFound (no folder, no samples), InvalidArgument (shape or hidden size, naming the file),
    // Corrupt/Unsupported (the file itself, from readNpy), Cancelled.
    static Result<CalibrationSet> open(const std::string& folder, int64_t hidden, int64_t maxPositions,
                                       int64_t maxTokens, const ProgressFn& progress, const StopToken& stop);

    const std::vector<Sample>& samples() const { return m_samples; }
    size_t size() const { return m_samples.size(); }
    int64_t tokens() const { return m_tokens; }
    int64_t hidden() const { return m_hidden; }
    // SHA-256 over every used sample's relative path, shape and values: equal iff the calibration data is.
    const std::string& digest() const { return m_digest; }

    // Sample i as fp32 [1, tokens, hidden]. Errors: those of reading the file (it changed since open()).
    Result<at::Tensor> load(size_t i) const;

private:
    std::string m_folder;
    std::vector<Sample> m_samples;
    int64_t m_tokens = 0;
    int64_t m_hidden = 0;
    std::string m_digest;
};

}  // namespace lathe::compile
