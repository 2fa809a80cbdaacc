#pragma once
// The reference decoder's weights from fp32 tensors: exactly the values Decoder sees, widened to double.

#include "ReferenceDecoder.h"

#include <ATen/ATen.h>

#include <map>
#include <string>

namespace lathe::test {

// 1-D tensors become vectors, 2-D tensors matrices.
ReferenceWeights widenedReference(const std::map<std::string, at::Tensor>& tensors);

}  // namespace lathe::test
