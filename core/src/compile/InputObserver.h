#pragma once
// Private to core: exposes libtorch types.

#include "lathe/common/Result.h"
#include "lathe/compile/Compile.h"
#include "quant/ActivationObserver.h"
#include "quant/HessianAccumulator.h"

#include <ATen/ATen.h>

#include <map>
#include <memory>
#include <optional>
#include <set>

namespace lathe::compile {

// Everything the compiler learns from the calibration inputs of one linear input, shared by the linears that read
// the same tensor (q/k/v read one, gate/up another): GPTQ's Hessian and one static-scale observer per activation
// width. 8-bit inputs use the configured method (max, percentile, mse); 16-bit ones use max, since 16 bits resolve
// the whole range without clipping.
class InputObserver {
public:
    InputObserver(int64_t columns, bool withHessian, const std::set<int>& activationBits,
                  const CompileOptions& options);

    // x [..., columns]. Errors: InvalidArgument (NaN/inf activations: the float model overflowed).
    Result<void> add(const at::Tensor& x);

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
    std::map<int, std::unique_ptr<quant::ActivationObserver>> m_observers;
    double m_absMax = 0.0;
};

}  // namespace lathe::compile
