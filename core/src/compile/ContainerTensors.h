#pragma once
// Private to core: exposes libtorch types.

#include "compiled/QuantizedLinear.h"
#include "lathe/common/Result.h"
#include "model/SafetensorsWriter.h"

#include <string>

namespace lathe::compile {

// Appends the tensors the compiled container holds for one linear, as compiled::encodeLinear makes them (the
// encoding CompiledModelWriter::addLinear stores too), so a finished layer's part file can be copied into the
// container byte for byte. Errors: InvalidArgument (a malformed linear, codes that do not fit their bits).
Result<void> appendLinearTensors(model::NamedTensors& tensors, const std::string& module,
                                 const compiled::QuantizedLinear& linear);

}  // namespace lathe::compile
