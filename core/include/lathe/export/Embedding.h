#pragma once

#include "lathe/common/Progress.h"
#include "lathe/common/Result.h"

#include <string>

namespace lathe::exports {

// Writes the input-embedding matrix (model.embed_tokens.weight) of the Hugging Face model folder
// `modelDir` to `outPath` as a float32 tensor [vocab, hidden] in torch.save's format, so Python's
// torch.load(outPath) returns it. The file is written under a temporary name and renamed when complete.
// Errors: those of Checkpoint::open (NotFound, Corrupt, Unsupported), Io writing, Cancelled.
Result<void> extractEmbedding(const std::string& modelDir, const std::string& outPath,
                              const ProgressFn& progress = {}, const StopToken& stop = {});

}  // namespace lathe::exports
