#pragma once
// Private to core: the token loop that `generate` and `chat` share.

#include "lathe/runtime/Generate.h"
#include "runtime/LoadedModel.h"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lathe::runtime {

// The ids that end a reply: the model config's eos_token_id, the tokenizer's EOS, and generation_config.json's
// eos_token_id next to a float model (Instruct models list their end-of-turn ids there).
Result<std::vector<int32_t>> stopIds(const LoadedModel& model);

// generation_config.json of a folder, when it has one (LoadedModel::generationConfigJson). Errors: Io.
Result<std::optional<std::string>> readGenerationConfig(const std::filesystem::path& dir);

// Runs the model on `prompt`, then one token at a time with a KV cache, streaming text through onText until a
// stop id, maxNewTokens or the end of the context. Errors: InvalidArgument (empty prompt or one longer than the
// context), Cancelled when `stop` fires.
Result<GenerateResult> runGeneration(const LoadedModel& model, const std::vector<int32_t>& prompt,
                                     const GenerateOptions& options, const std::vector<int32_t>& stop,
                                     const std::function<void(std::string_view)>& onText, const StopToken& cancel);

// The option checks both entry points make before loading anything.
Result<void> checkGenerateOptions(const GenerateOptions& options);

}  // namespace lathe::runtime
