#pragma once
// Private to core: exposes libtorch types.

#include "lathe/common/Progress.h"
#include "lathe/common/Result.h"
#include "lathe/compile/Compile.h"
#include "lathe/compile/CompileReport.h"
#include "quant/IntegerGrid.h"

#include <ATen/ATen.h>

#include <limits>
#include <string>

namespace lathe::compile {

struct WeightQuantization {
    quant::QuantizedWeight weight;
    double damping = 0.0;  // GPTQ's λ; 0 for RTN
};

// Quantizes W [out, in] (fp32) to `bits` with the options' method: GPTQ on `hessian` (act-order, damping with
// automatic retries, clipping-search scales) or RTN (clipping-search scales). Rows are independent, so W may be a
// block of a linear's rows. Passing the Hessian's only reference (std::move) lets GPTQ factor it in place. Errors name
// `module`: InvalidArgument, Unsupported (Hessian not positive definite even after the damping retries), Cancelled.
Result<WeightQuantization> quantizeWeights(const std::string& module, const at::Tensor& weight, at::Tensor hessian,
                                           int bits, const CompileOptions& options, const StopToken& stop);

// Scale range and clip rate of a linear's weights, accumulated over blocks of rows.
class WeightStatistics {
public:
    // `weight` the float rows, `quantized` their codes and scales.
    void add(const at::Tensor& weight, const quant::QuantizedWeight& quantized);
    // Fills weightScaleMin/Max/Mean and weightClipRate.
    void fill(LinearReport& report) const;

private:
    double m_min = std::numeric_limits<double>::infinity();
    double m_max = 0.0;
    double m_sum = 0.0;
    int64_t m_scales = 0;
    int64_t m_clipped = 0;
    int64_t m_weights = 0;
};

}  // namespace lathe::compile
