#pragma once
// Private to core: exposes libtorch types.

#include "lathe/common/Result.h"

#include <ATen/ATen.h>

namespace lathe::quant {

// Two 4-bit codes per byte along the last dimension: element 2j goes to the low nibble and element 2j+1 to the
// high nibble of byte j, each as a 4-bit two's complement value (-8 .. 7). Input: int8 [..., n] with n even and
// every code in [-8, 7]. Output: uint8 [..., n/2].
Result<at::Tensor> packInt4(const at::Tensor& codes);

// Inverse of packInt4: uint8 [..., m] -> int8 [..., 2m].
Result<at::Tensor> unpackInt4(const at::Tensor& packed);

}  // namespace lathe::quant
