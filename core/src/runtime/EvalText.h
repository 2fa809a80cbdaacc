#pragma once
// Private to core: the text side of the perplexity protocol, shared by evaluation and comparison.

#include "lathe/common/Result.h"
#include "lathe/model/ModelConfig.h"

#include <cstdint>
#include <string>
#include <vector>

namespace lathe::runtime {

// The whole file. Errors: NotFound, Io, naming it.
Result<std::string> readEvalText(const std::string& path);

// Removes lines equal to one of `drop` (a trailing '\r' is ignored when comparing), with their '\n'.
std::string dropMatchingLines(const std::string& text, const std::vector<std::string>& drop, int64_t& dropped);

// The window length for a requested --ctx (0 = min(max_position_embeddings, 2048)). Errors: InvalidArgument
// when it is 1 or negative, or exceeds max_position_embeddings.
Result<int> evalWindowLength(int requested, const model::ModelConfig& config);

}  // namespace lathe::runtime
