#pragma once
// Private to core.

#include "lathe/common/Progress.h"
#include "lathe/common/Result.h"
#include "model/ImportedModel.h"

#include <string>

namespace lathe::model {

// Reads an unquantized GGUF (architecture "llama") into Hugging Face terms. An `output.weight` that is
// absent, or bit-identical to `token_embd.weight`, means tied embeddings.
// Errors: those of GgufFile::open, Corrupt for missing keys or tensors or wrong shapes (naming them),
// Unsupported for other architectures or rope scaling, Cancelled.
Result<ImportedModel> readGgufCheckpoint(const std::string& path, const StopToken& stop);

// The shortest decimal that reads back as the same float32, as a double: GGUF stores 1e-5 as
// 9.99999974e-06 and the config should say 1e-05 like the original.
double shortestFloatAsDouble(float value);

}  // namespace lathe::model
