#pragma once
// Private to core: exposes libtorch types.

#include "quant/IntegerGrid.h"

#include <ATen/ATen.h>

namespace lathe::compiled {

// One linear as the compiled model runs it (docs/compiled-model.md, "Arithmetic"):
//   xq = clamp(round_half_even(x / inputScale), -2^(a-1), 2^(a-1)-1)          a = activationBits
//   acc[o, g] = Σ_{i in group g} xq[i] · codes[o, i]                          exact integer sums
//   (group g: columns [g·G, min((g+1)·G, in)) for group size G, so the last group may be narrower)
//   y[o] = inputScale · Σ_g weight.scales[o, g] · acc[o, g]  (+ bias[o])      fp32
// The compiler runs this same object while calibrating later layers, so its measured error is the runtime's.
struct QuantizedLinear {
    // int8 codes [out, in] in the layer's own column order, scales [out, groupCount(in, weight.groupSize)]
    quant::QuantizedWeight weight;
    double inputScale = 1.0;
    int activationBits = 8;
    at::Tensor bias;  // fp32 [out] or undefined

    // x [..., in] fp32 → [..., out] fp32. Throws std::invalid_argument when x's last dimension is not `in`
    // or the weight's codes, scales and group size disagree.
    at::Tensor forward(const at::Tensor& x) const;

    // The activation codes of x as fp32 integers (exposed for clipping statistics and tests).
    at::Tensor quantizeInput(const at::Tensor& x) const;

    // acc for activation codes xq [..., in] (integer-valued, as quantizeInput returns): float64 [..., out, groups],
    // every value the exact integer sum (exposed for tests; forward() never materialises all groups at once).
    at::Tensor accumulate(const at::Tensor& xq) const;
};

}  // namespace lathe::compiled
