#include "compile/ContainerTensors.h"

#include "compiled/LinearEncoding.h"

namespace lathe::compile {

Result<void> appendLinearTensors(model::NamedTensors& tensors, const std::string& module,
                                 const compiled::QuantizedLinear& linear)
{
    auto encoded = compiled::encodeLinear(module, linear);
    if (!encoded) return encoded.error();
    for (auto& entry : encoded->tensors) tensors.push_back(std::move(entry));
    return {};
}

}  // namespace lathe::compile
