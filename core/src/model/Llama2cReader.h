#pragma once
// Private to core.

#include "lathe/common/Progress.h"
#include "lathe/common/Result.h"
#include "model/ImportedModel.h"

#include <string>

namespace lathe::model {

// Reads a llama2.c checkpoint (the legacy "version 0" export: 7 int32 header fields, then float32 arrays).
// Errors: Corrupt for an inconsistent header or a file size that does not match it (naming both sizes),
// Cancelled when `stop` fires.
Result<ImportedModel> readLlama2cCheckpoint(const std::string& path, const StopToken& stop);

}  // namespace lathe::model
