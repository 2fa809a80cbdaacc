#include "runtime/Sampler.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

namespace lathe::runtime {

Sampler::Sampler(bool greedy, double temperature, double topP, uint64_t seed)
    : m_greedy(greedy || temperature <= 0.0), m_temperature(temperature), m_topP(topP), m_rng(seed)
{
}

double Sampler::uniform() { return static_cast<double>(m_rng() >> 11) * 0x1.0p-53; }

int32_t Sampler::next(const at::Tensor& logits)
{
    auto row = logits.to(at::kDouble).contiguous();
    const double* l = row.data_ptr<double>();
    const int64_t n = row.numel();
    // Explicit loops rather than at::argmax so ties resolve to the lowest id everywhere.
    int64_t best = 0;
    for (int64_t i = 1; i < n; ++i)
        if (l[i] > l[best]) best = i;
    if (m_greedy) return static_cast<int32_t>(best);

    std::vector<double> p(n);
    double total = 0;
    for (int64_t i = 0; i < n; ++i) total += (p[i] = std::exp((l[i] - l[best]) / m_temperature));
    std::vector<int32_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int32_t a, int32_t b) { return p[a] > p[b]; });
    size_t keep = 0;
    double kept = 0;
    while (keep < order.size() && (keep == 0 || kept < m_topP * total)) kept += p[order[keep++]];
    const double target = uniform() * kept;
    double cumulative = 0;
    for (size_t i = 0; i < keep; ++i) {
        cumulative += p[order[i]];
        if (target < cumulative) return order[i];
    }
    return order[keep - 1];
}

}  // namespace lathe::runtime
