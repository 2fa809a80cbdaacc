#include "quant/MseObserver.h"

#include <cmath>
#include <limits>

namespace lathe::quant {

namespace {

double weightedSquaredError(const at::Tensor& values, const at::Tensor& weights, double clip, int bits)
{
    const double qmax = static_cast<double>(gridMax(bits));
    const double s = clip / qmax;
    // Working on |x| ignores the grid's extra negative code -qmax-1: negative values beyond the clip are counted
    // as clipped at -qmax·s, a slight overestimate of their error.
    auto deq = at::clamp_max(at::round(values / s), qmax) * s;
    return (weights * (values - deq).square()).sum().item<double>();
}

}  // namespace

double MseObserver::squaredError(double clip) const
{
    auto [values, weights] = m_sketch.weightedPoints();
    return weightedSquaredError(values, weights, clip, bits());
}

double MseObserver::clipValue() const
{
    const double max = m_sketch.max();
    if (max <= 0) return 0.0;
    auto [values, weights] = m_sketch.weightedPoints();
    double best = max;
    double bestErr = std::numeric_limits<double>::infinity();
    for (int k = 0; k < kCandidates; ++k) {
        const double clip = max * std::exp2(-k / kStepsPerOctave);
        const double err = weightedSquaredError(values, weights, clip, bits());
        if (err < bestErr) {
            bestErr = err;
            best = clip;
        }
    }
    return best;
}

}  // namespace lathe::quant
