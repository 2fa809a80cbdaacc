#pragma once
// Private to core: exposes libtorch types.
// How one compiled linear becomes a GGUF tensor.

#include "compiled/CompiledModelFile.h"
#include "model/GgufBlocks.h"

#include <string>

namespace lathe::deploy {

enum class LinearFit {
    Exact,       // codes and float16 scales stored as they are: GGUF's values equal Lathe's bit for bit
    Float16,     // a row width that is not a multiple of 32: the dequantized weights as F16, as llama.cpp does
    HalfScales,  // --requantize, groups of 32 with float32 scales: codes kept, scales rounded to float16
    Rounded,     // --requantize, any other grouping: the dequantized weights rounded to nearest into the blocks
};

struct LinearExport {
    std::string module;
    model::GgmlType type = model::GgmlType::Q8_0;
    LinearFit fit = LinearFit::Exact;
    std::string reason;  // why it is not exact (for the summary)
    int bits = 8;
    int64_t in = 0, out = 0;
    int permuteHeads = 0;  // > 0: rows go from Hugging Face's rotary order to Meta's, in this many heads
};

// Whether the compile rounded every weight scale to float16 (provenance options "scale_dtype": "f16").
bool compiledWithHalfScales(const compiled::CompiledModelInfo& info);

// The GGUF type and fit of `module`: Q4_0 for 2..4 bits, Q8_0 for 5..8 (both grids fit inside), F16 for a row
// width that is not a multiple of 32. Errors: InvalidArgument when the linear is not in groups of 32 with float16
// scales and `requantize` is off, naming it and the compile flags that make it exportable.
Result<LinearExport> planLinearExport(const std::string& module, const compiled::CompiledModelInfo& info,
                                      bool halfScales, bool requantize, const std::string& path);

// The weight's bytes for `plan`. Errors: Corrupt when a linear the container says has float16 scales holds one that
// is not.
Result<std::string> encodeLinearExport(const LinearExport& plan, const compiled::QuantizedLinear& linear);

// The linear's F32 bias [out] as GGUF stores it for `plan` (rows in the same order as the weight's).
std::string encodeBiasExport(const LinearExport& plan, const at::Tensor& bias);

}  // namespace lathe::deploy
