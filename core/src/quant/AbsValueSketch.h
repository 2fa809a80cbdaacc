#pragma once
// Private to core: exposes libtorch types.

#include "lathe/common/Result.h"

#include <ATen/ATen.h>

#include <cstdint>
#include <utility>
#include <vector>

namespace lathe::quant {

// The distribution of |x| over a stream of batches. Exact (every value kept, fp32) until more than `exactLimit`
// values have arrived; then a histogram of `bins` equal bins over [0, range), range = the maximum when the switch
// happened, doubled (bins merged in pairs) whenever a larger value arrives. Definitions and error bounds:
// docs/quantization-math.md.
class AbsValueSketch {
public:
    explicit AbsValueSketch(int64_t exactLimit = int64_t{1} << 20, int64_t bins = int64_t{1} << 16);

    // Errors: InvalidArgument for NaN/inf values (nothing is recorded).
    Result<void> add(const at::Tensor& x);

    int64_t count() const { return m_count; }
    double max() const { return m_max; }
    bool exact() const { return !m_counts.defined(); }
    double binWidth() const { return exact() ? 0.0 : m_range / static_cast<double>(m_bins); }

    // The p-quantile with linear interpolation between order statistics: a_lo + f·(a_hi − a_lo), position
    // h = p·(count − 1), lo = ⌊h⌋, f = h − lo. In histogram mode within binWidth() of that value. 0 when empty.
    double quantile(double p) const;

    // The data as (values, weights) fp64 tensors: every value with weight 1 when exact, otherwise the centres of
    // the non-empty bins with their counts.
    std::pair<at::Tensor, at::Tensor> weightedPoints() const;

private:
    void switchToHistogram();
    void addToHistogram(const at::Tensor& absValues);
    at::Tensor exactValues() const;

    int64_t m_exactLimit;
    int64_t m_bins;
    int64_t m_count = 0;
    double m_max = 0.0;
    std::vector<at::Tensor> m_chunks;  // exact mode: fp32 |x| per batch
    at::Tensor m_counts;               // histogram mode: int64 [bins]
    double m_range = 0.0;
};

}  // namespace lathe::quant
