#include "compiled/LinearEncoding.h"

#include "quant/Int4Packing.h"

namespace lathe::compiled {

Result<EncodedLinear> encodeLinear(const std::string& module, const QuantizedLinear& linear)
{
    const auto& w = linear.weight;
    bool shapesOk = w.codes.defined() && w.codes.dim() == 2 && w.codes.scalar_type() == at::kChar &&
                    w.scales.defined() && w.scales.dim() == 2 && w.scales.size(0) == w.codes.size(0) &&
                    w.groupSize >= 0;
    if (shapesOk) {
        const int64_t in = w.codes.size(1);
        shapesOk = w.scales.size(1) == quant::groupCount(in, w.groupSize) &&
                   (!linear.bias.defined() || linear.bias.numel() == w.codes.size(0));
    }
    if (!shapesOk || w.bits < 2 || w.bits > 8 || linear.activationBits < 2 || linear.activationBits > 16)
        return makeError(ErrorCode::InvalidArgument,
                         "linear " + module +
                             " is malformed: it needs int8 codes [out, in], scales [out, ceil(in / groupSize)] "
                             "(or [out, 1] per channel), a bias of [out] if any, weight bits 2..8 and activation "
                             "bits 2..16");
    EncodedLinear out;
    if (w.bits <= 4) {
        auto packed = quant::packInt4(w.codes);
        if (!packed)
            return makeError(ErrorCode::InvalidArgument, "cannot pack the " + std::to_string(w.bits) +
                                                             "-bit codes of " + module + ": " + packed.error().message);
        out.tensors.emplace_back(weightCodesName(module), packed->to(at::kCPU).contiguous());
    } else {
        out.tensors.emplace_back(weightCodesName(module), w.codes.to(at::kCPU).contiguous());
    }
    out.tensors.emplace_back(weightScaleName(module), w.scales.to(at::kCPU).to(at::kFloat).contiguous());
    out.tensors.emplace_back(inputScaleName(module), at::full({1}, static_cast<float>(linear.inputScale), at::kFloat));
    if (linear.bias.defined())
        out.tensors.emplace_back(biasName(module), linear.bias.to(at::kCPU).to(at::kFloat).reshape({-1}).contiguous());
    out.spec = linearSpec(w.bits, w.groupSize, linear.activationBits, linear.bias.defined());
    return out;
}

LinearSpec linearSpec(int weightBits, int64_t groupSize, int activationBits, bool hasBias)
{
    return LinearSpec{weightBits, groupSize, activationBits, hasBias};
}

}  // namespace lathe::compiled
