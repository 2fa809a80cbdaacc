#include "compile/ErrorAccumulators.h"

#include "quant/IntegerGrid.h"

#include <cmath>
#include <limits>

namespace lathe::compile {

void SqnrAccumulator::add(const at::Tensor& reference, const at::Tensor& approx)
{
    // Two fp64 copies and BLAS dot products instead of a temporary per operation: a batch of logits over a large
    // vocabulary is over 100 MB in fp64.
    const at::Tensor y = reference.to(at::kDouble).reshape({-1});
    const at::Tensor difference = approx.to(at::kDouble, false, /*copy=*/true).reshape({-1}).sub_(y);
    m_signal += at::dot(y, y).item<double>();
    m_noise += at::dot(difference, difference).item<double>();
    m_any = true;
}

double SqnrAccumulator::db() const
{
    if (!m_any) return 0.0;
    if (m_noise == 0.0) return std::numeric_limits<double>::infinity();
    return 10.0 * std::log10(m_signal / m_noise);
}

void ClipCounter::add(const at::Tensor& x, double scale, int bits)
{
    const at::Tensor codes = at::round(x.to(at::kFloat) / static_cast<float>(scale));
    m_clipped += codes.gt(static_cast<double>(quant::gridMax(bits)))
                     .logical_or_(codes.lt(static_cast<double>(quant::gridMin(bits))))
                     .sum()
                     .item<int64_t>();
    m_total += x.numel();
}

void KlAccumulator::add(const at::Tensor& referenceLogits, const at::Tensor& approxLogits)
{
    // Σ p·(log p − log q), evaluated in place: a batch of logits over a large vocabulary is hundreds of MB in fp64,
    // and each temporary would be another such matrix. −(log q − log p) is exactly log p − log q.
    at::Tensor logP = at::log_softmax(referenceLogits.to(at::kDouble), -1);
    at::Tensor difference = at::log_softmax(approxLogits.to(at::kDouble), -1).sub_(logP).neg_();
    m_sum += logP.exp_().mul_(difference).sum().item<double>();
    m_rows += referenceLogits.numel() / referenceLogits.size(-1);
}

}  // namespace lathe::compile
