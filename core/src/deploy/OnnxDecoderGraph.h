#pragma once
// Private to core: exposes libtorch and ONNX types.

#include "compiled/CompiledModelFile.h"
#include "deploy/OnnxGraph.h"

#include <ATen/ATen.h>

#include <memory>

namespace lathe::deploy {

// The graph of a compiled Llama-family decoder with a KV cache, computing what Lathe's compiled runtime computes
// (docs/export.md, "ONNX"). Inputs input_ids, attention_mask, position_ids and past_key_values.<i>.key / .value;
// outputs logits and present.<i>.key / .value. `embedding` is the float32 [vocab, hidden] table the runtime is given
// (rotated when the compile rotated). Tensors are deferred: they are read from `file` when the model is written.
// Errors: those of addQdqLinear, Corrupt for a container that lacks a norm.
Result<OnnxGraph> buildDecoderGraph(const std::shared_ptr<const compiled::CompiledModelFile>& file,
                                    at::Tensor embedding, int opset);

}  // namespace lathe::deploy
