#include "quant/AbsValueSketch.h"

#include <algorithm>
#include <cmath>

namespace lathe::quant {

AbsValueSketch::AbsValueSketch(int64_t exactLimit, int64_t bins)
    : m_exactLimit(std::max<int64_t>(exactLimit, 0)), m_bins(std::max<int64_t>(bins, 2) & ~int64_t{1})
{
}

Result<void> AbsValueSketch::add(const at::Tensor& x)
{
    if (!x.defined() || x.numel() == 0) return {};
    try {
        auto a = x.detach().reshape({-1}).abs().to(at::kFloat);
        if (!at::isfinite(a).all().item<bool>())
            return makeError(ErrorCode::InvalidArgument, "activations contain NaN or infinite values");
        m_max = std::max(m_max, static_cast<double>(a.max().item<float>()));
        m_count += a.numel();
        if (exact()) {
            m_chunks.push_back(a.clone());
            if (m_count > m_exactLimit) switchToHistogram();
        } else {
            addToHistogram(a);
        }
        return {};
    } catch (const std::exception& e) {
        return makeError(ErrorCode::Internal, std::string("recording activations failed: ") + e.what());
    }
}

at::Tensor AbsValueSketch::exactValues() const
{
    return m_chunks.empty() ? at::empty({0}, at::kFloat) : at::cat(m_chunks);
}

void AbsValueSketch::switchToHistogram()
{
    auto values = exactValues();
    m_chunks.clear();
    m_range = m_max > 0 ? m_max : 1.0;
    m_counts = at::zeros({m_bins}, at::kLong);
    addToHistogram(values);
}

void AbsValueSketch::addToHistogram(const at::Tensor& absValues)
{
    auto v = absValues.to(at::kDouble);
    const double batchMax = v.max().item<double>();
    while (batchMax > m_range) {
        // Doubling the range turns bin pairs (2i, 2i+1) into bin i, so earlier counts stay exact at the new width.
        auto merged = m_counts.view({m_bins / 2, 2}).sum(1);
        m_counts = at::cat({merged, at::zeros({m_bins / 2}, at::kLong)});
        m_range *= 2.0;
    }
    auto index = at::floor(v * (static_cast<double>(m_bins) / m_range)).clamp_(0, static_cast<double>(m_bins - 1));
    m_counts.add_(at::bincount(index.to(at::kLong), {}, m_bins));
}

double AbsValueSketch::quantile(double p) const
{
    if (m_count == 0) return 0.0;
    p = std::clamp(p, 0.0, 1.0);
    const double h = p * static_cast<double>(m_count - 1);
    const int64_t lo = static_cast<int64_t>(std::floor(h));
    const int64_t hi = std::min(lo + 1, m_count - 1);
    const double frac = h - static_cast<double>(lo);
    if (exact()) {
        auto values = exactValues();
        // Only the two order statistics are needed: kthvalue is 1-based.
        const double a = std::get<0>(values.kthvalue(lo + 1)).item<float>();
        const double b = hi == lo ? a : std::get<0>(values.kthvalue(hi + 1)).item<float>();
        return a + frac * (b - a);
    }
    // Order statistic r is placed at its rank inside its bin, spread uniformly, so it stays within one bin width.
    auto cumulative = m_counts.cumsum(0);
    const double width = binWidth();
    auto estimate = [&](int64_t rank) {
        auto bin = at::searchsorted(cumulative, at::tensor({rank}, at::kLong), /*out_int32=*/false, /*right=*/true);
        const int64_t b = bin.item<int64_t>();
        const int64_t inBin = m_counts[b].item<int64_t>();
        const int64_t before = cumulative[b].item<int64_t>() - inBin;
        return (static_cast<double>(b) + (static_cast<double>(rank - before) + 0.5) / static_cast<double>(inBin)) *
               width;
    };
    const double a = estimate(lo);
    const double b = hi == lo ? a : estimate(hi);
    return a + frac * (b - a);
}

std::pair<at::Tensor, at::Tensor> AbsValueSketch::weightedPoints() const
{
    if (exact()) {
        auto values = exactValues().to(at::kDouble);
        return {values, at::ones_like(values)};
    }
    auto nonEmpty = m_counts.gt(0).nonzero().reshape({-1});
    auto centres = (nonEmpty.to(at::kDouble) + 0.5) * binWidth();
    return {centres, m_counts.index_select(0, nonEmpty).to(at::kDouble)};
}

}  // namespace lathe::quant
