#pragma once
// Private to core: exposes libtorch types.

#include "compiled/QuantizedLinear.h"
#include "lathe/common/Result.h"
#include "model/SafetensorsWriter.h"

#include <string>

namespace lathe::compile {

// The tensors the compiled container holds for one linear, named and encoded exactly as
// CompiledModelWriter::addLinear stores them (codes packed two per byte for <= 4 bits, else int8; F32 scales
// [out, groups]; F32 input scale [1]; F32 bias), so a finished layer's part file can be copied into the container
// byte for byte. Errors: InvalidArgument (codes that do not fit their bits).
Result<void> appendLinearTensors(NamedTensors& tensors, const std::string& module,
                                 const compiled::QuantizedLinear& linear);

}  // namespace lathe::compile
