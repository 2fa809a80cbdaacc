#pragma once
// Private to core: exposes libtorch and ONNX types.

#include "compiled/CompiledModelFile.h"
#include "deploy/OnnxGraph.h"

#include <memory>
#include <string>
#include <vector>

namespace lathe::deploy {

// How one linear's integer weights are stored in the graph (docs/export.md, "ONNX"). Codes are transposed to
// [in, out] so that MatMul(x, W) needs no Transpose node.
//  - one scale per output channel: codes [in, out], scales [out], DequantizeLinear axis 1;
//  - INT4 codes in groups (opset 21): codes [in, out], scales [groups, out], DequantizeLinear axis 0 with block_size;
//  - int8 codes in groups (opset 17 has no block-wise DequantizeLinear; at opset 21 ONNX Runtime 1.30 mis-fuses a
//    block-wise int8 one): codes regrouped to [G, groups·out] (the last group's
//    missing columns padded with zero codes) so that one per-axis DequantizeLinear applies every group's scale;
//    Reshape / Transpose / Reshape / Slice then give [in, out].
// Codes of 4 bits or fewer are INT4 at opset 21 and INT8 at opset 17.
struct OnnxWeightLayout {
    OnnxType codeType = OnnxType::Int8;
    int64_t in = 0, out = 0;
    int64_t groupSize = 0;  // 0: per output channel
    int64_t groups = 1;
    bool blockwise = false;
    bool regrouped = false;

    std::vector<int64_t> codeDims() const;
    std::vector<int64_t> scaleDims() const;
};

OnnxWeightLayout planOnnxWeight(const compiled::LinearSpec& spec, int64_t in, int64_t out, int opset);

// The codes (INT4 packed into uint8) and the scales (and the bias when the linear has one) in `layout`, contiguous.
std::vector<at::Tensor> encodeOnnxWeight(const OnnxWeightLayout& layout, const compiled::QuantizedLinear& linear);

// Adds `module` to the graph as the compiled runtime runs it: its input through QuantizeLinear → DequantizeLinear
// with the static scale and zero point 0 (int8; int16 for activations kept at 16 bits, which opset 17 writes as
// Div / Round / Clip / Mul since its QuantizeLinear has no int16), the weight through DequantizeLinear, MatMul, and
// the bias. The tensors are read from `file` when the model is written. Returns the output's name. Errors:
// Unsupported for activation bits other than 8 and 16, Corrupt for a bad input scale.
Result<std::string> addQdqLinear(OnnxGraph& graph, const std::shared_ptr<const compiled::CompiledModelFile>& file,
                                 const std::string& module, const std::string& x);

}  // namespace lathe::deploy
