#pragma once
// Private to core: exposes libtorch types.

#include "compiled/CompiledModelFormat.h"
#include "compiled/QuantizedLinear.h"
#include "lathe/common/Result.h"

#include <ATen/ATen.h>

#include <string>
#include <utility>
#include <vector>

namespace lathe::compiled {

// One linear as the container stores it: its tensors in storage order and the spec its metadata records.
struct EncodedLinear {
    // "<module>.weight_q" (codes packed two per byte, U8 [out, in/2], for <= 4 bits, else I8 [out, in]),
    // "<module>.weight_scale" (F32 [out, groups]), "<module>.input_scale" (F32 [1]), "<module>.bias" (F32 [out],
    // only with a bias). Contiguous CPU tensors.
    std::vector<std::pair<std::string, at::Tensor>> tensors;
    LinearSpec spec;
};

// The one encoding of a compiled linear, used by the container writer, the compiler's per-layer part files
// and the exports. Errors: InvalidArgument naming `module` when the codes, scales, bias or bits disagree
// (int8 codes [out, in], scales [out, ceil(in / groupSize)] or [out, 1], bias [out], weight bits 2..8,
// activation bits 2..16) or when <= 4-bit codes cannot be packed.
Result<EncodedLinear> encodeLinear(const std::string& module, const QuantizedLinear& linear);

// The metadata entry of a linear quantized with these settings: what encodeLinear records for it, for a linear
// whose tensors were encoded earlier (a finished layer's part file).
LinearSpec linearSpec(int weightBits, int64_t groupSize, int activationBits, bool hasBias);

}  // namespace lathe::compiled
