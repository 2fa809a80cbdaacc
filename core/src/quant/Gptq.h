#pragma once
// Private to core: exposes libtorch types.

#include "lathe/common/Progress.h"
#include "lathe/common/Result.h"
#include "quant/IntegerGrid.h"

namespace lathe::quant {

struct GptqOptions {
    GridSpec grid;
    bool actOrder = false;        // sweep columns by descending diag(H)
    double dampFraction = 0.01;   // λ = dampFraction · mean(diag H)
    int maxDampRetries = 4;       // λ ×10 after each failed Cholesky, at most this many times
    int64_t blockSize = 128;      // columns per lazy-update block (rounded up to whole groups)
    bool factorInDouble = false;  // Cholesky steps in fp64 (about 2x slower) instead of fp32 as reference GPTQ
};

struct GptqResult {
    QuantizedWeight weight;  // codes in the layer's own column order, usable like any RTN result
    at::Tensor permutation;  // int64 [in]: sweep position k handled input column permutation[k]
    at::Tensor deadColumns;  // bool [in]: inputs that were always zero (their weights are coded 0)
    double damping = 0.0;    // the λ that made the Cholesky factorisations succeed
    int dampRetries = 0;     // how many times λ was multiplied by 10
};

// GPTQ as in docs/quantization-math.md: weight [out, in], hessian [in, in] (e.g. from HessianAccumulator). A caller
// that passes its only reference (std::move) lets GPTQ damp, permute and factor that matrix in place instead of
// copying it; any other Hessian is left unchanged.
// Scales: per channel (or per group with act-order) from the dead-column-zeroed weights before the sweep; per group
// without act-order at each group's first column from the error-updated weights. Checks `stop` once per block.
// Errors: InvalidArgument (shapes, grid, non-finite input), Unsupported (H not positive definite even after all
// damping retries), Cancelled.
Result<GptqResult> quantizeGptq(const at::Tensor& weight, at::Tensor hessian, const GptqOptions& options,
                                const StopToken* stop = nullptr);

}  // namespace lathe::quant
