#include "quant/HessianAccumulator.h"

#include <string>

namespace lathe::quant {

HessianAccumulator::HessianAccumulator(int64_t columns)
    : m_columns(columns), m_hessian(at::zeros({columns, columns}, at::kDouble))
{
}

Result<void> HessianAccumulator::add(const at::Tensor& inputs)
{
    if (!inputs.defined() || inputs.dim() == 0 || inputs.size(-1) != m_columns)
        return makeError(ErrorCode::InvalidArgument, "calibration inputs must have " + std::to_string(m_columns) +
                                                         " columns in the last dimension");
    try {
        auto x = inputs.reshape({-1, m_columns});
        if (x.scalar_type() != at::kDouble) x = x.to(at::kFloat);
        const int64_t batch = x.size(0);
        if (batch == 0) return {};
        if (!at::isfinite(x).all().item<bool>())
            return makeError(ErrorCode::InvalidArgument, "calibration inputs contain NaN or infinite values");
        auto gram = at::matmul(x.t(), x).to(at::kDouble);
        const double total = static_cast<double>(m_rows + batch);
        m_hessian.mul_(static_cast<double>(m_rows) / total).add_(gram, 2.0 / total);
        m_rows += batch;
        return {};
    } catch (const std::exception& e) {
        return makeError(ErrorCode::Internal, std::string("accumulating the layer Hessian failed: ") + e.what());
    }
}

}  // namespace lathe::quant
