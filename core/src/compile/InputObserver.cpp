#include "compile/InputObserver.h"

#include "quant/MaxObserver.h"
#include "quant/MseObserver.h"
#include "quant/PercentileObserver.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace lathe::compile {

InputObserver::InputObserver(int64_t columns, bool withHessian, const std::set<int>& activationBits,
                             const CompileOptions& options, std::vector<at::Tensor> readers)
{
    for (const auto& w : readers) m_readerRows += w.size(0);
    m_wantsReference = withHessian && options.floatTarget && !readers.empty();
    const bool residualForm = m_wantsReference && 2 * m_readerRows < columns;
    if (withHessian) m_hessian.emplace(columns, m_wantsReference && !residualForm);
    if (residualForm) m_residuals.emplace(columns, std::move(readers));
    for (int bits : activationBits) {
        if (bits >= 16 || options.activationMethod == quant::ActivationMethod::Max)
            m_observers[bits] = std::make_unique<quant::MaxObserver>(bits);
        else if (options.activationMethod == quant::ActivationMethod::Mse)
            m_observers[bits] = std::make_unique<quant::MseObserver>(bits);
        else
            m_observers[bits] = std::make_unique<quant::PercentileObserver>(bits, options.percentile);
    }
}

Result<void> InputObserver::add(const at::Tensor& x, const at::Tensor& reference)
{
    try {
        const double batchMax = x.abs().max().to(at::kDouble).item<double>();
        if (!std::isfinite(batchMax))
            return makeError(ErrorCode::InvalidArgument,
                             "calibration activations contain NaN or infinite values: the float model overflows on "
                             "these samples");
        m_absMax = std::max(m_absMax, batchMax);
        // Without a reference the inputs stand for themselves (the residual form then adds rows of zeros, so that
        // its mean runs over the Hessian's rows).
        if (m_residuals) LATHE_TRY(m_residuals->add(x, reference.defined() ? reference : x));
        if (m_hessian) LATHE_TRY(m_hessian->add(x, m_wantsReference && !m_residuals ? reference : at::Tensor()));
        for (auto& [bits, observer] : m_observers) LATHE_TRY(observer->observe(x));
        return {};
    } catch (const std::exception& e) {
        return makeError(ErrorCode::Internal, std::string("observing calibration activations failed: ") + e.what());
    }
}

Result<std::optional<quant::FloatTarget>> InputObserver::takeFloatTarget(double dampFraction)
{
    if (!m_wantsReference) return std::optional<quant::FloatTarget>();
    auto target =
        m_residuals
            ? quant::FloatTarget::fromResiduals(m_hessian->hessian(), m_residuals->take(), dampFraction)
            : quant::FloatTarget::fromCross(m_hessian->hessian(), m_hessian->takeCross(), dampFraction, m_readerRows);
    m_residuals.reset();
    m_wantsReference = false;
    if (!target) return target.error();
    return std::optional<quant::FloatTarget>(std::move(target).value());
}

double InputObserver::scale(int bits) const
{
    auto it = m_observers.find(bits);
    const double s = it == m_observers.end() ? 1.0 : it->second->scale();
    return static_cast<double>(static_cast<float>(s));
}

}  // namespace lathe::compile
