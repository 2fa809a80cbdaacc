#include "compile/ErrorAccumulators.h"

#include "quant/IntegerGrid.h"

#include <cmath>
#include <limits>

namespace lathe::compile {

void SqnrAccumulator::add(const at::Tensor& reference, const at::Tensor& approx)
{
    const at::Tensor y = reference.to(at::kDouble);
    m_signal += y.square().sum().item<double>();
    m_noise += (y - approx.to(at::kDouble)).square().sum().item<double>();
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
    const at::Tensor logP = at::log_softmax(referenceLogits.to(at::kDouble), -1);
    const at::Tensor logQ = at::log_softmax(approxLogits.to(at::kDouble), -1);
    m_sum += (logP.exp() * (logP - logQ)).sum().item<double>();
    m_rows += referenceLogits.numel() / referenceLogits.size(-1);
}

}  // namespace lathe::compile
