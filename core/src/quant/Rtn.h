#pragma once
// Private to core: exposes libtorch types.

#include "lathe/common/Result.h"
#include "quant/IntegerGrid.h"

namespace lathe::quant {

// Round-to-nearest baseline: scales from `spec` (with the clipping search if enabled), then every weight rounded
// independently. weight: floating [out, in]. Errors: InvalidArgument for a bad grid or non-finite weights.
Result<QuantizedWeight> quantizeRtn(const at::Tensor& weight, const GridSpec& spec);

}  // namespace lathe::quant
