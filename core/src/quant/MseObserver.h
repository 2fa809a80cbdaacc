#pragma once
// Private to core: exposes libtorch types.

#include "quant/AbsValueSketch.h"
#include "quant/ActivationObserver.h"

namespace lathe::quant {

// clip = the candidate c_k = max|x| · 2^(−k/16), k = 0 .. 159, minimising Σ (|x| − min(round(|x|/s), qmax)·s)²
// with s = c_k/qmax (largest c_k on ties). Evaluated on the values themselves while the sketch is exact, on the
// histogram's bin centres afterwards.
class MseObserver : public ActivationObserver {
public:
    static constexpr int kCandidates = 160;
    static constexpr double kStepsPerOctave = 16.0;

    explicit MseObserver(int bits = 8, int64_t exactLimit = int64_t{1} << 20, int64_t bins = int64_t{1} << 16)
        : ActivationObserver(bits), m_sketch(exactLimit, bins)
    {
    }
    Result<void> observe(const at::Tensor& x) override { return m_sketch.add(x); }
    double clipValue() const override;
    const AbsValueSketch& sketch() const { return m_sketch; }

    // Σ weight·(v − min(round(v/s), qmax)·s)² for s = clip/qmax over the sketch's points.
    double squaredError(double clip) const;

private:
    AbsValueSketch m_sketch;
};

}  // namespace lathe::quant
