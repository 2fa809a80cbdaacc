#pragma once
// Private to core: exposes libtorch types.

#include "compiled/CompiledModelFile.h"
#include "compiled/QuantizedLinear.h"
#include "lathe/common/Progress.h"
#include "model/Projections.h"

#include <array>
#include <memory>
#include <vector>

namespace lathe::runtime {

// The linears of a compiled model: every projection runs as a compiled::QuantizedLinear (activation codes times
// integer weight codes, exact integer sums, fp32 rescale), so a Decoder built on them computes what the NPU would.
class CompiledProjections : public model::Projections {
public:
    // Reads every linear of `file` (codes unpacked to int8). Errors: those of CompiledModelFile::linear,
    // Cancelled (checked between layers).
    static Result<std::shared_ptr<const CompiledProjections>> load(const compiled::CompiledModelFile& file,
                                                                   const ProgressFn& progress = {},
                                                                   const StopToken& stop = {});

    at::Tensor apply(int layer, model::Projection p, const at::Tensor& x) const override;

    const compiled::QuantizedLinear& linear(int layer, model::Projection p) const;

private:
    static constexpr size_t kLayerProjections = 7;  // Query .. Down
    std::vector<std::array<compiled::QuantizedLinear, kLayerProjections>> m_layers;
    compiled::QuantizedLinear m_head;
};

}  // namespace lathe::runtime
