#include "quant/HessianAccumulator.h"

#include <string>
#include <utility>

namespace lathe::quant {

HessianAccumulator::HessianAccumulator(int64_t columns, bool withCross)
    : m_columns(columns), m_hessian(at::zeros({columns, columns}, at::kFloat))
{
    if (withCross) m_cross = at::zeros({columns, columns}, at::kFloat);
}

Result<void> HessianAccumulator::add(const at::Tensor& inputs)
{
    return add(inputs, at::Tensor());
}

Result<void> HessianAccumulator::add(const at::Tensor& inputs, const at::Tensor& reference)
{
    if (!inputs.defined() || inputs.dim() == 0 || inputs.size(-1) != m_columns)
        return makeError(ErrorCode::InvalidArgument, "calibration inputs must have " + std::to_string(m_columns) +
                                                         " columns in the last dimension");
    if (!m_hessian.defined())
        return makeError(ErrorCode::InvalidArgument, "the Hessian was already taken from this accumulator");
    if (reference.defined() && !m_cross.defined())
        return makeError(ErrorCode::InvalidArgument, "this accumulator keeps no cross-covariance");
    if (reference.defined() && reference.sizes() != inputs.sizes())
        return makeError(ErrorCode::InvalidArgument, "reference inputs must have the shape of the inputs");
    try {
        auto x = inputs.reshape({-1, m_columns}).to(at::kFloat);
        const int64_t batch = x.size(0);
        if (batch == 0) return {};
        if (!at::isfinite(x).all().item<bool>())
            return makeError(ErrorCode::InvalidArgument, "calibration inputs contain NaN or infinite values");
        // Without a reference the inputs are their own: the float model sees what the linear sees.
        const at::Tensor r = reference.defined() ? reference.reshape({-1, m_columns}).to(at::kFloat) : x;
        if (reference.defined() && !at::isfinite(r).all().item<bool>())
            return makeError(ErrorCode::InvalidArgument, "reference inputs contain NaN or infinite values");
        // One GEMM straight into the accumulator: H ← H·m/(m+b) + (2/(m+b))·XᵀX, no Gram matrix temporary.
        const double total = static_cast<double>(m_rows + batch);
        m_hessian.addmm_(x.t(), x, static_cast<double>(m_rows) / total, 2.0 / total);
        if (m_cross.defined()) m_cross.addmm_(x.t(), r, static_cast<double>(m_rows) / total, 2.0 / total);
        m_rows += batch;
        return {};
    } catch (const std::exception& e) {
        return makeError(ErrorCode::Internal, std::string("accumulating the layer Hessian failed: ") + e.what());
    }
}

at::Tensor HessianAccumulator::take()
{
    return std::exchange(m_hessian, at::Tensor());
}

}  // namespace lathe::quant
