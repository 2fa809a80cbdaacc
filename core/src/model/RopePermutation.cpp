#include "model/RopePermutation.h"

namespace lathe::model {

at::Tensor interleavedToHalfRotary(const at::Tensor& weight, int64_t heads)
{
    const int64_t out = weight.size(0), in = weight.size(1);
    const int64_t headDim = out / heads;
    return weight.reshape({heads, headDim / 2, 2, in}).transpose(1, 2).reshape({out, in}).contiguous();
}

}  // namespace lathe::model
