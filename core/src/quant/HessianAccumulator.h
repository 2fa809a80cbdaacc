#pragma once
// Private to core: exposes libtorch types.

#include "lathe/common/Result.h"

#include <ATen/ATen.h>

#include <cstdint>

namespace lathe::quant {

// GPTQ's layer Hessian H = (2/n) Σ xᵀx over the n input rows (tokens) seen so far, kept as a running mean so that
// its magnitude does not grow with the calibration size. Each batch's Gram matrix is computed by BLAS in the
// batch's precision (fp32 for fp32/bf16/fp16 inputs, fp64 for fp64) and folded into an fp64 accumulator.
class HessianAccumulator {
public:
    explicit HessianAccumulator(int64_t columns);

    // inputs: [..., columns]; every leading index is one row x. Errors: InvalidArgument for a width mismatch
    // or non-finite values (the accumulator is left unchanged).
    Result<void> add(const at::Tensor& inputs);

    at::Tensor hessian() const { return m_hessian; }  // fp64 [columns, columns]
    int64_t rows() const { return m_rows; }
    int64_t columns() const { return m_columns; }

private:
    int64_t m_columns = 0;
    int64_t m_rows = 0;
    at::Tensor m_hessian;
};

}  // namespace lathe::quant
