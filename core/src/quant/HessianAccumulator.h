#pragma once
// Private to core: exposes libtorch types.

#include "lathe/common/Result.h"

#include <ATen/ATen.h>

#include <cstdint>
#include <utility>

namespace lathe::quant {

// GPTQ's layer Hessian H = (2/n) Σ xᵀx over the n input rows (tokens) seen so far, kept as a running mean so that
// its magnitude does not grow with the calibration size. It is kept in fp32, as reference GPTQ keeps it: each batch
// is folded in by one BLAS GEMM (XᵀX scaled by 2/n) straight into the accumulator, so a wide layer's [in, in]
// matrix exists once (256 MiB at in = 8192) and no per-batch Gram matrix is allocated.
class HessianAccumulator {
public:
    // With `withCross`, add(inputs, reference) also keeps G = (2/n) Σ xᵀr, the cross-covariance of the inputs the
    // linear sees with the inputs the float model gives it at the same token (see quant/FloatTarget.h).
    explicit HessianAccumulator(int64_t columns, bool withCross = false);

    // inputs: [..., columns]; every leading index is one row x. Errors: InvalidArgument for a width mismatch
    // or non-finite values (the accumulator is left unchanged).
    Result<void> add(const at::Tensor& inputs);
    // inputs and reference: the same shape. Errors as add(), and InvalidArgument without `withCross`.
    Result<void> add(const at::Tensor& inputs, const at::Tensor& reference);

    at::Tensor hessian() const { return m_hessian; }  // fp32 [columns, columns]; undefined once taken
    // Hands the matrix over (for GPTQ to damp and factor in place) and leaves the accumulator empty; later add()
    // calls fail with InvalidArgument.
    at::Tensor take();
    at::Tensor cross() const { return m_cross; }  // fp32 [columns, columns]; undefined without `withCross`
    at::Tensor takeCross() { return std::exchange(m_cross, at::Tensor()); }
    int64_t rows() const { return m_rows; }
    int64_t columns() const { return m_columns; }

private:
    int64_t m_columns = 0;
    int64_t m_rows = 0;
    at::Tensor m_hessian;
    at::Tensor m_cross;
};

}  // namespace lathe::quant
