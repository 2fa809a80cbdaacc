#pragma once
// Private to core: exposes libtorch types.

#include "quant/ActivationObserver.h"

namespace lathe::quant {

// clip = max |x| over everything observed.
class MaxObserver : public ActivationObserver {
public:
    explicit MaxObserver(int bits = 8) : ActivationObserver(bits) {}
    Result<void> observe(const at::Tensor& x) override;
    double clipValue() const override { return m_max; }

private:
    double m_max = 0.0;
};

}  // namespace lathe::quant
