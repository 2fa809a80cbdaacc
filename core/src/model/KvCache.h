#pragma once
// Private to core: exposes libtorch types.

#include <ATen/ATen.h>

#include <vector>

namespace lathe::model {

// Keys and values of every layer for positions [0, length), preallocated to `capacity` so that a
// generation step writes in place instead of concatenating.
struct KvCache {
    std::vector<at::Tensor> keys;    // per layer [B, kvHeads, capacity, headDim], keys already rotated
    std::vector<at::Tensor> values;  // per layer [B, kvHeads, capacity, headDim]
    int64_t length = 0;
    int64_t capacity = 0;
};

}  // namespace lathe::model
