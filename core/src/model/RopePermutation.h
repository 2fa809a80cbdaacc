#pragma once
// Private to core: exposes libtorch types.

#include <ATen/ATen.h>

namespace lathe::model {

// Meta's checkpoints (and llama.cpp's GGUF, and llama2.c) pair rotary dimensions (2i, 2i+1) within each
// head; Hugging Face pairs (i, i + headDim/2). Reordering the output rows of W_q / W_k per head makes the
// two conventions compute the same attention. This is the permutation transformers' convert_llama_weights
// applies: w.view(heads, headDim/2, 2, in).transpose(1, 2).reshape(out, in).
at::Tensor interleavedToHalfRotary(const at::Tensor& weight, int64_t heads);

// The inverse: Hugging Face's row order to Meta's (what llama.cpp's converter writes). Works on any tensor whose
// first dimension is the output rows (weights, codes, scales, biases).
at::Tensor halfRotaryToInterleaved(const at::Tensor& rows, int64_t heads);

}  // namespace lathe::model
