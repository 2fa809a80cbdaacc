#include "quant/FloatTarget.h"

#include "quant/DampingRetries.h"
#include "quant/WorkingCopy.h"

#include <optional>
#include <string>
#include <utility>

namespace lathe::quant {

namespace {

// Lower Cholesky factor of H + λI with GPTQ's damping and retries (DampingRetries.h); dead inputs (never non-zero)
// get a unit diagonal first, as GPTQ gives them: their weights do not matter.
Result<at::Tensor> dampedFactor(const at::Tensor& hessian, double dampFraction, double& damping, int maxRetries = 4)
{
    auto damped = hessian.to(at::kFloat).clone();
    auto diag = damped.diagonal();
    diag.masked_fill_(diag.eq(0), 1.0);
    auto lower =
        withDampingRetries(damped, dampFraction, maxRetries, [&](double lambda, int) -> std::optional<at::Tensor> {
            auto [factor, info] = at::linalg_cholesky_ex(damped);
            if (info.item<int>() != 0 || !at::isfinite(factor).all().item<bool>()) return std::nullopt;
            damping = lambda;
            return factor;
        });
    if (lower) return *lower;
    return makeError(ErrorCode::Unsupported,
                     "the layer Hessian is not positive definite even with damping raised " +
                         std::to_string(maxRetries) + " times; use more (or more varied) calibration samples");
}

}  // namespace

Result<FloatTarget> FloatTarget::fromCross(const at::Tensor& hessian, at::Tensor cross, double dampFraction,
                                           int64_t rowsToFit)
{
    if (!hessian.defined() || !cross.defined() || hessian.dim() != 2 || hessian.size(0) != hessian.size(1) ||
        cross.sizes() != hessian.sizes())
        return makeError(ErrorCode::InvalidArgument, "the Hessian and the cross-covariance must be square and alike");
    if (!(dampFraction >= 0.0)) return makeError(ErrorCode::InvalidArgument, "damping must be non-negative");
    try {
        if (!at::isfinite(hessian).all().item<bool>() || !at::isfinite(cross).all().item<bool>())
            return makeError(ErrorCode::InvalidArgument,
                             "the Hessian or the cross-covariance contains NaN or infinite values");
        FloatTarget out;
        auto lower = dampedFactor(hessian, dampFraction, out.m_damping);
        if (!lower) return lower.error();
        at::Tensor difference = workingCopy(cross, at::kFloat);
        difference.sub_(hessian.to(at::kFloat));
        if (rowsToFit >= hessian.size(0)) {
            out.m_correction = at::cholesky_solve(difference, *lower);
        } else {
            out.m_factor = *lower;
            out.m_difference = difference;
        }
        return out;
    } catch (const std::exception& e) {
        return makeError(ErrorCode::Internal, std::string("fitting the float outputs failed: ") + e.what());
    }
}

Result<FloatTarget> FloatTarget::fromResiduals(const at::Tensor& hessian, std::vector<at::Tensor> residuals,
                                               double dampFraction)
{
    if (!hessian.defined() || hessian.dim() != 2 || hessian.size(0) != hessian.size(1))
        return makeError(ErrorCode::InvalidArgument, "the Hessian must be square");
    for (const auto& r : residuals)
        if (!r.defined() || r.dim() != 2 || r.size(0) != hessian.size(0))
            return makeError(ErrorCode::InvalidArgument, "each output residual must be [in, out] for the Hessian's in");
    if (!(dampFraction >= 0.0)) return makeError(ErrorCode::InvalidArgument, "damping must be non-negative");
    try {
        if (!at::isfinite(hessian).all().item<bool>())
            return makeError(ErrorCode::InvalidArgument, "the Hessian contains NaN or infinite values");
        for (const auto& r : residuals)
            if (!at::isfinite(r).all().item<bool>())
                return makeError(ErrorCode::InvalidArgument, "an output residual contains NaN or infinite values");
        FloatTarget out;
        auto lower = dampedFactor(hessian, dampFraction, out.m_damping);
        if (!lower) return lower.error();
        // (W* − W)ᵀ = (H + λI)⁻¹ R.
        for (auto& r : residuals) {
            out.m_deltas.push_back(at::cholesky_solve(r.to(at::kFloat), *lower).t().contiguous());
            r.reset();
        }
        return out;
    } catch (const std::exception& e) {
        return makeError(ErrorCode::Internal, std::string("fitting the float outputs failed: ") + e.what());
    }
}

at::Tensor FloatTarget::of(const at::Tensor& weight, size_t reader) const
{
    const at::Tensor w = weight.to(at::kFloat);
    if (!m_deltas.empty()) return w + m_deltas.at(reader);
    // W*ᵀ = Wᵀ + (H + λI)⁻¹ (G − H) Wᵀ.
    if (m_correction.defined()) return at::addmm(w, w, m_correction.t());
    return (w.t() + at::cholesky_solve(at::matmul(m_difference, w.t()), m_factor)).t().contiguous();
}

OutputResidualAccumulator::OutputResidualAccumulator(int64_t columns, std::vector<at::Tensor> weights)
    : m_columns(columns)
{
    for (auto& w : weights) {
        m_residuals.push_back(at::zeros({columns, w.size(0)}, at::kFloat));
        // fp32 once here rather than per batch (no copy when the weights already are).
        m_weights.push_back(w.to(at::kFloat));
    }
}

Result<void> OutputResidualAccumulator::add(const at::Tensor& inputs, const at::Tensor& reference)
{
    if (!inputs.defined() || !reference.defined() || inputs.dim() == 0 || inputs.size(-1) != m_columns ||
        reference.sizes() != inputs.sizes())
        return makeError(ErrorCode::InvalidArgument,
                         "inputs and reference inputs must both be [..., " + std::to_string(m_columns) + "]");
    try {
        const auto x = inputs.reshape({-1, m_columns}).to(at::kFloat);
        const int64_t batch = x.size(0);
        if (batch == 0) return {};
        const auto difference = reference.reshape({-1, m_columns}).to(at::kFloat) - x;
        if (!at::isfinite(x).all().item<bool>() || !at::isfinite(difference).all().item<bool>())
            return makeError(ErrorCode::InvalidArgument, "calibration inputs contain NaN or infinite values");
        const double total = static_cast<double>(m_rows + batch);
        for (size_t p = 0; p < m_weights.size(); ++p)
            m_residuals[p].addmm_(x.t(), at::matmul(difference, m_weights[p].t()), static_cast<double>(m_rows) / total,
                                  2.0 / total);
        m_rows += batch;
        return {};
    } catch (const std::exception& e) {
        return makeError(ErrorCode::Internal, std::string("accumulating the output residuals failed: ") + e.what());
    }
}

}  // namespace lathe::quant
