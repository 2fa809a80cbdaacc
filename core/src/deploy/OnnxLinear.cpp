#include "deploy/OnnxLinear.h"

#include "quant/IntegerGrid.h"

#include <cmath>

namespace lathe::deploy {
namespace {

// ONNX's INT4 layout: element 2k in the low nibble of byte k, element 2k+1 in the high one.
at::Tensor packInt4(const at::Tensor& codes)
{
    at::Tensor flat = codes.contiguous().view(-1).bitwise_and(0x0F).to(at::kByte);
    if (flat.numel() % 2) flat = at::cat({flat, at::zeros({1}, at::kByte)});
    const at::Tensor pairs = flat.view({-1, 2});
    return pairs.select(1, 0).bitwise_or(pairs.select(1, 1).bitwise_left_shift(4)).contiguous();
}

}  // namespace

std::vector<int64_t> OnnxWeightLayout::codeDims() const
{
    if (regrouped) return {groupSize, groups * out};
    return {in, out};
}

std::vector<int64_t> OnnxWeightLayout::scaleDims() const
{
    if (regrouped) return {groups * out};
    if (blockwise) return {groups, out};
    return {out};
}

OnnxWeightLayout planOnnxWeight(const compiled::LinearSpec& spec, int64_t in, int64_t out, int opset)
{
    OnnxWeightLayout l;
    l.in = in;
    l.out = out;
    l.codeType = opset >= 21 && spec.weightBits <= 4 ? OnnxType::Int4 : OnnxType::Int8;
    l.groups = quant::groupCount(in, spec.groupSize);
    if (l.groups > 1) {
        l.groupSize = spec.groupSize;
        // Block-wise scales for INT4 only: ONNX Runtime 1.30 fuses a block-wise int8 DequantizeLinear and its
        // MatMul into MatMulIntegerToFloat, which then fails to broadcast the block scales.
        l.blockwise = l.codeType == OnnxType::Int4;
        l.regrouped = !l.blockwise;
    }
    return l;
}

std::vector<at::Tensor> encodeOnnxWeight(const OnnxWeightLayout& layout, const compiled::QuantizedLinear& linear)
{
    const at::Tensor& codes = linear.weight.codes;    // int8 [out, in]
    const at::Tensor& scales = linear.weight.scales;  // fp32 [out, groups]
    at::Tensor storedCodes, storedScales;
    if (layout.regrouped) {
        const int64_t padded = layout.groups * layout.groupSize;
        at::Tensor c = codes;
        if (padded > layout.in) c = at::cat({codes, at::zeros({layout.out, padded - layout.in}, at::kChar)}, 1);
        // [out, groups, G] → [G, groups, out]: element [j, g·out + o] is code[o, g·G + j].
        storedCodes = c.view({layout.out, layout.groups, layout.groupSize}).permute({2, 1, 0});
        storedScales = scales.t();
    } else {
        storedCodes = codes.t();
        storedScales = layout.blockwise ? scales.t() : scales.view({-1});
    }
    std::vector<at::Tensor> out;
    out.push_back(layout.codeType == OnnxType::Int4 ? packInt4(storedCodes) : storedCodes.contiguous());
    out.push_back(storedScales.to(at::kFloat).contiguous());
    if (linear.bias.defined()) out.push_back(linear.bias.to(at::kFloat).contiguous());
    return out;
}

Result<std::string> addQdqLinear(OnnxGraph& g, const std::shared_ptr<const compiled::CompiledModelFile>& file,
                                 const std::string& module, const std::string& x)
{
    const compiled::CompiledModelInfo& info = file->info();
    const auto specIt = info.linears.find(module);
    if (specIt == info.linears.end())
        return makeError(ErrorCode::Corrupt, file->path() + ": the container has no linear " + module);
    const compiled::LinearSpec& spec = specIt->second;
    const std::vector<int64_t> shape = compiled::linearShape(info.config, module);
    const OnnxWeightLayout layout = planOnnxWeight(spec, shape.at(1), shape.at(0), g.opset());

    std::string input = x;
    if (spec.activationBits == 8 || spec.activationBits == 16) {
        auto scale = file->floatTensor(compiled::inputScaleName(module));
        if (!scale) return scale.error();
        const float s = scale->numel() == 1 ? scale->item<float>() : 0.0f;
        if (!(std::isfinite(s) && s > 0))
            return makeError(ErrorCode::Corrupt,
                             file->path() + ": the input scale of " + module + " is not one positive finite number");
        const std::string scaleName = g.floatScalar(s);
        if (spec.activationBits == 8 || g.opset() >= 21) {
            const std::string zero = spec.activationBits == 8 ? g.int8Scalar(0) : g.int16Scalar(0);
            input = g.add("DequantizeLinear", {g.add("QuantizeLinear", {x, scaleName, zero}), scaleName, zero});
        } else {
            // QuantizeLinear takes int16 only from opset 21: the same arithmetic in plain ops (Round is
            // half-to-even, as QuantizeLinear rounds).
            const std::string codes = g.add("Clip", {g.add("Round", {g.add("Div", {x, scaleName})}),
                                                     g.floatScalar(-32768.0f), g.floatScalar(32767.0f)});
            input = g.add("Mul", {codes, scaleName});
        }
    } else {
        return makeError(ErrorCode::Unsupported,
                         module + " has " + std::to_string(spec.activationBits) +
                             "-bit activations; the ONNX export writes 8- and 16-bit activations only");
    }

    OnnxTensorBatch batch;
    batch.what = module;
    const std::string codes = module + ".weight_q", scales = module + ".weight_scale";
    batch.tensors.push_back({codes, layout.codeType, layout.codeDims()});
    batch.tensors.push_back({scales, OnnxType::Float, layout.scaleDims()});
    if (spec.hasBias) batch.tensors.push_back({module + ".bias", OnnxType::Float, {layout.out}});
    batch.produce = [file, module, layout]() -> Result<std::vector<at::Tensor>> {
        auto linear = file->linear(module);
        if (!linear) return linear.error();
        return encodeOnnxWeight(layout, *linear);
    };
    g.defer(std::move(batch));

    std::string weight;
    if (layout.blockwise) {
        weight = g.add("DequantizeLinear", {codes, scales}, {{"axis", int64_t{0}}, {"block_size", layout.groupSize}});
    } else {
        weight = g.add("DequantizeLinear", {codes, scales}, {{"axis", int64_t{1}}});
    }
    if (layout.regrouped) {
        weight = g.add("Reshape", {weight, g.int64s({layout.groupSize, layout.groups, layout.out})});
        weight = g.add("Transpose", {weight}, {{"perm", std::vector<int64_t>{1, 0, 2}}});
        weight = g.add("Reshape", {weight, g.int64s({layout.groups * layout.groupSize, layout.out})});
        if (layout.groups * layout.groupSize > layout.in)
            weight = g.add("Slice", {weight, g.int64s({0}), g.int64s({layout.in}), g.int64s({0})});
    }
    std::string y = g.add("MatMul", {input, weight});
    if (spec.hasBias) y = g.add("Add", {y, module + ".bias"});
    return y;
}

}  // namespace lathe::deploy
