#pragma once
// Private to core: exposes libtorch types.

#include "lathe/common/Result.h"
#include "lathe/compile/Compile.h"
#include "quant/ActivationObserver.h"
#include "quant/FloatTarget.h"
#include "quant/HessianAccumulator.h"

#include <ATen/ATen.h>

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <vector>

namespace lathe::compile {

// Everything the compiler learns from the calibration inputs of one linear input, shared by the linears that read
// the same tensor (q/k/v read one, gate/up another): GPTQ's Hessian and one static-scale observer per activation
// width, and with CompileOptions::floatTarget the cross-covariance with the float model's inputs (FloatTarget). 8-bit
// inputs use the configured method (max, percentile, mse); 16-bit ones use max, since 16 bits resolve the whole range
// without clipping.
class InputObserver {
public:
    // `readers`: the weights [out, columns] of the linears that read this input, in quantization order; with
    // CompileOptions::floatTarget and a Hessian, the observer gathers what their float-output target needs: the
    // cross-covariance G, or for a wide input read by few rows (fewer than half the columns: down_proj) each
    // reader's (G − H)Wᵀ directly, which is cheaper (quant/FloatTarget.h).
    InputObserver(int64_t columns, bool withHessian, const std::set<int>& activationBits, const CompileOptions& options,
                  std::vector<at::Tensor> readers = {});

    // x [..., columns]; `reference` the float model's inputs at the same tokens (undefined: x itself).
    // Errors: InvalidArgument (NaN/inf activations: the float model overflowed).
    Result<void> add(const at::Tensor& x, const at::Tensor& reference = at::Tensor());
    // Whether add() wants the reference inputs.
    bool wantsReference() const { return m_wantsReference; }
    // The float-output target of the readers, once all samples are in (FloatTarget::of(weight, reader index));
    // nullopt without one. Frees what it was built from. Errors as FloatTarget's factories.
    Result<std::optional<quant::FloatTarget>> takeFloatTarget(double dampFraction);

    // The static scale for `bits`-bit codes, rounded to fp32 as the container stores it.
    double scale(int bits) const;
    double absMax() const { return m_absMax; }
    // fp32 [columns, columns]; undefined without a Hessian (or once taken).
    at::Tensor hessian() const { return m_hessian ? m_hessian->hessian() : at::Tensor(); }
    // The Hessian handed over to its last reader, so that GPTQ factors it in place and it is freed with GPTQ's
    // working set instead of living on beside it; later add() calls fail.
    at::Tensor takeHessian() { return m_hessian ? m_hessian->take() : at::Tensor(); }

private:
    std::optional<quant::HessianAccumulator> m_hessian;
    std::optional<quant::OutputResidualAccumulator> m_residuals;
    int64_t m_readerRows = 0;
    bool m_wantsReference = false;
    std::map<int, std::unique_ptr<quant::ActivationObserver>> m_observers;
    double m_absMax = 0.0;
};

}  // namespace lathe::compile
