#pragma once
// Private to core: exposes libtorch types.

#include "quant/AbsValueSketch.h"
#include "quant/ActivationObserver.h"

namespace lathe::quant {

// clip = the `percentile`-quantile of |x| over everything observed (AbsValueSketch::quantile: exact up to
// `exactLimit` values, then within one histogram bin width).
class PercentileObserver : public ActivationObserver {
public:
    explicit PercentileObserver(int bits = 8, double percentile = 0.9999, int64_t exactLimit = int64_t{1} << 20,
                                int64_t bins = int64_t{1} << 16)
        : ActivationObserver(bits), m_percentile(percentile), m_sketch(exactLimit, bins)
    {
    }
    Result<void> observe(const at::Tensor& x) override { return m_sketch.add(x); }
    double clipValue() const override { return m_sketch.quantile(m_percentile); }
    const AbsValueSketch& sketch() const { return m_sketch; }

private:
    double m_percentile;
    AbsValueSketch m_sketch;
};

}  // namespace lathe::quant
