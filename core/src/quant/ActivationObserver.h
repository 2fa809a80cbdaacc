#pragma once
// Private to core: exposes libtorch types.

#include "lathe/common/Result.h"
#include "quant/IntegerGrid.h"

#include <ATen/ATen.h>

namespace lathe::quant {

// Calibrates one static per-tensor activation scale from a stream of batches. Codes are
// clamp(round(x / scale), -2^(bits-1), 2^(bits-1) - 1) with scale = clipValue() / (2^(bits-1) - 1).
class ActivationObserver {
public:
    explicit ActivationObserver(int bits) : m_bits(bits) {}
    virtual ~ActivationObserver() = default;

    // Records a batch of any shape. Errors: InvalidArgument for NaN/inf values.
    virtual Result<void> observe(const at::Tensor& x) = 0;

    // The magnitude mapped to the largest code; 0 before any non-zero data.
    virtual double clipValue() const = 0;

    int bits() const { return m_bits; }
    // 1 when nothing non-zero was seen, so the scale is always usable.
    double scale() const
    {
        const double clip = clipValue();
        return clip > 0 ? clip / static_cast<double>(gridMax(m_bits)) : 1.0;
    }

private:
    int m_bits;
};

}  // namespace lathe::quant
