#include "model/RopePermutation.h"

namespace lathe::model {

at::Tensor interleavedToHalfRotary(const at::Tensor& weight, int64_t heads)
{
    const int64_t out = weight.size(0), in = weight.size(1);
    const int64_t headDim = out / heads;
    return weight.reshape({heads, headDim / 2, 2, in}).transpose(1, 2).reshape({out, in}).contiguous();
}

at::Tensor halfRotaryToInterleaved(const at::Tensor& rows, int64_t heads)
{
    const int64_t out = rows.size(0), headDim = out / heads;
    const at::Tensor matrix = rows.dim() == 1 ? rows.unsqueeze(1) : rows;
    const int64_t in = matrix.size(1);
    return matrix.reshape({heads, 2, headDim / 2, in}).transpose(1, 2).reshape(rows.sizes()).contiguous();
}

}  // namespace lathe::model
