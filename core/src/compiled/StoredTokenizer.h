#pragma once
// Private to core.

#include "common/TemporaryFolder.h"
#include "compiled/CompiledModelFile.h"

namespace lathe::compiled {

// The tokenizer files a container stores, written back into a temporary folder (the tokenizer engines load from
// files). Errors: NotFound when the container stores none (compile it again from a model folder with
// tokenizer.json or tokenizer.model), Io writing them (check TMPDIR).
Result<TemporaryFolder> extractTokenizerFiles(const CompiledModelFile& file);

}  // namespace lathe::compiled
