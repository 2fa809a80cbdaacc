#include "quant/MaxObserver.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace lathe::quant {

Result<void> MaxObserver::observe(const at::Tensor& x)
{
    if (!x.defined() || x.numel() == 0) return {};
    try {
        const double batchMax = x.detach().abs().max().to(at::kDouble).item<double>();
        if (!std::isfinite(batchMax))
            return makeError(ErrorCode::InvalidArgument, "activations contain NaN or infinite values");
        m_max = std::max(m_max, batchMax);
        return {};
    } catch (const std::exception& e) {
        return makeError(ErrorCode::Internal, std::string("recording activations failed: ") + e.what());
    }
}

}  // namespace lathe::quant
