#pragma once
// Private to core: exposes libtorch types.

#include "lathe/common/Result.h"

#include <ATen/ATen.h>

#include <utility>
#include <vector>

namespace lathe::quant {

// The weights GPTQ should aim at so that the compiled model reproduces the float model's outputs.
//
// GPTQ minimises ‖(W − Ŵ)X̃ᵀ‖ over the inputs X̃ [n, in] that the compiled model gives a linear. Those differ from
// the float model's inputs X by the error of every layer quantized before, and the output that matters is the
// float one, W Xᵀ. For the least-squares fit W* of W Xᵀ on X̃, ‖W Xᵀ − Ŵ X̃ᵀ‖² = ‖W Xᵀ − W* X̃ᵀ‖² +
// ‖(W* − Ŵ) X̃ᵀ‖², so GPTQ run on W* with X̃'s Hessian minimises the float-output error itself. The fit is
// ridge-regularised toward W with GPTQ's damping λ, W* = W (Gᵀ + λI)(H + λI)⁻¹ with H = X̃ᵀX̃ and G = X̃ᵀX (both
// scaled as HessianAccumulator keeps them), which is W exactly when X̃ = X.
class FloatTarget {
public:
    // From the cross-covariance G ("cross form"). hessian H and cross G: fp32 [in, in]; `rowsToFit` the weight rows
    // of() will see in all, which picks the cheaper of two equal ways to apply it (see m_correction). A
    // cross-covariance handed over as the only reference (std::move) becomes G − H in place. λ rises tenfold while
    // H + λI cannot be factored, at most 4 times, as in GPTQ. Errors: InvalidArgument (shapes, non-finite values),
    // Unsupported (H + λI not positive definite even then).
    static Result<FloatTarget> fromCross(const at::Tensor& hessian, at::Tensor cross, double dampFraction,
                                         int64_t rowsToFit);
    // From each reader's R = (G − H)Wᵀ [in, out] (OutputResidualAccumulator; "residual form"), which costs
    // 4·n·in·out to accumulate instead of 2·n·in² for G and (G − H)Wᵀ after: cheaper for a wide input read by few
    // rows (down_proj). Errors as fromCross.
    static Result<FloatTarget> fromResiduals(const at::Tensor& hessian, std::vector<at::Tensor> residuals,
                                             double dampFraction);

    // W* for W [out, in] (fp32): any rows of the linears in the cross form, reader `reader`'s whole weight in the
    // residual form.
    at::Tensor of(const at::Tensor& weight, size_t reader = 0) const;
    double damping() const { return m_damping; }

private:
    // W* = W + W (Gᵀ − H)(H + λI)⁻¹ keeps fp32 precision for the small correction. For many rows (q/k/v, gate/up,
    // the head) the correction matrix M = (H + λI)⁻¹(G − H) is formed once (2·in³) and W* = W + W Mᵀ costs 2·in²
    // per row; for few each row block is solved instead, 4·in² per row.
    at::Tensor m_factor;               // lower Cholesky factor of H + λI (per-block cross form)
    at::Tensor m_difference;           // G − H (per-block cross form)
    at::Tensor m_correction;           // M (cross form, formed once)
    std::vector<at::Tensor> m_deltas;  // W* − W per reader (residual form)
    double m_damping = 0.0;
};

// R_p = (2/n) Σ x̃ᵀ (x − x̃) W_pᵀ for each reader p of one input, over the same rows and with the same running-mean
// scaling as HessianAccumulator, so that R_p = (G − H) W_pᵀ.
class OutputResidualAccumulator {
public:
    // weights: each reader's [out_p, columns] weight (kept by reference when fp32, else as an fp32 copy).
    OutputResidualAccumulator(int64_t columns, std::vector<at::Tensor> weights);

    // inputs x̃ and reference x: the same shape [..., columns]. Errors: InvalidArgument (shapes, non-finite values).
    Result<void> add(const at::Tensor& inputs, const at::Tensor& reference);
    std::vector<at::Tensor> take() { return std::exchange(m_residuals, {}); }

private:
    int64_t m_columns = 0;
    int64_t m_rows = 0;
    std::vector<at::Tensor> m_weights;
    std::vector<at::Tensor> m_residuals;
};

}  // namespace lathe::quant
