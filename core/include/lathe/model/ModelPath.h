#pragma once

#include "lathe/common/Result.h"

#include <string>

namespace lathe::model {

// Turns what the user typed as a model (today: a local Hugging Face model directory) into the directory
// that holds config.json and the weights. Every runtime entry point goes through here, so resolving Hub
// repo ids to cached snapshots is a change to this one function.
// Errors: NotFound when the directory or its config.json is missing, naming the path.
Result<std::string> resolveModelPath(const std::string& modelPath);

}  // namespace lathe::model
