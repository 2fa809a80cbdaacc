#include "compile/ContainerTensors.h"

#include "compiled/CompiledModelFormat.h"
#include "quant/Int4Packing.h"

namespace lathe::compile {

Result<void> appendLinearTensors(NamedTensors& tensors, const std::string& module,
                                 const compiled::QuantizedLinear& linear)
{
    const auto& w = linear.weight;
    if (w.bits <= 4) {
        auto packed = quant::packInt4(w.codes);
        if (!packed) return packed.error().withContext("packing the codes of " + module);
        tensors.emplace_back(compiled::weightCodesName(module), *packed);
    } else {
        tensors.emplace_back(compiled::weightCodesName(module), w.codes.contiguous());
    }
    tensors.emplace_back(compiled::weightScaleName(module), w.scales.to(at::kFloat).contiguous());
    tensors.emplace_back(compiled::inputScaleName(module),
                         at::full({1}, static_cast<float>(linear.inputScale), at::kFloat));
    if (linear.bias.defined())
        tensors.emplace_back(compiled::biasName(module), linear.bias.to(at::kFloat).reshape({-1}).contiguous());
    return {};
}

}  // namespace lathe::compile
