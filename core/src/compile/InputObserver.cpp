#include "compile/InputObserver.h"

#include "quant/MaxObserver.h"
#include "quant/MseObserver.h"
#include "quant/PercentileObserver.h"

#include <algorithm>
#include <cmath>

namespace lathe::compile {

InputObserver::InputObserver(int64_t columns, bool withHessian, const std::set<int>& activationBits,
                             const CompileOptions& options)
{
    if (withHessian) m_hessian.emplace(columns);
    for (int bits : activationBits) {
        if (bits >= 16 || options.activationMethod == "max")
            m_observers[bits] = std::make_unique<quant::MaxObserver>(bits);
        else if (options.activationMethod == "mse")
            m_observers[bits] = std::make_unique<quant::MseObserver>(bits);
        else
            m_observers[bits] = std::make_unique<quant::PercentileObserver>(bits, options.percentile);
    }
}

Result<void> InputObserver::add(const at::Tensor& x)
{
    try {
        const double batchMax = x.abs().max().to(at::kDouble).item<double>();
        if (!std::isfinite(batchMax))
            return makeError(ErrorCode::InvalidArgument,
                             "calibration activations contain NaN or infinite values: the float model overflows on "
                             "these samples");
        m_absMax = std::max(m_absMax, batchMax);
        if (m_hessian) LATHE_TRY(m_hessian->add(x));
        for (auto& [bits, observer] : m_observers) LATHE_TRY(observer->observe(x));
        return {};
    } catch (const std::exception& e) {
        return makeError(ErrorCode::Internal, std::string("observing calibration activations failed: ") + e.what());
    }
}

double InputObserver::scale(int bits) const
{
    auto it = m_observers.find(bits);
    const double s = it == m_observers.end() ? 1.0 : it->second->scale();
    return static_cast<double>(static_cast<float>(s));
}

}  // namespace lathe::compile
