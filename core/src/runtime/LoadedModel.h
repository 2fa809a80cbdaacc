#pragma once
// Private to core: exposes libtorch types.

#include "lathe/common/Progress.h"
#include "lathe/common/Result.h"
#include "lathe/tokenize/ChatTemplateSource.h"
#include "lathe/tokenize/Tokenizer.h"
#include "model/Decoder.h"

#include <memory>
#include <optional>
#include <string>

namespace lathe::runtime {

// A model directory opened for running: its tokenizer and the float decoder with all weights in fp32.
struct LoadedModel {
    std::string directory;
    std::unique_ptr<tokenize::Tokenizer> tokenizer;
    std::unique_ptr<model::Decoder> decoder;
    // The model's chat template (from its folder, or the files a compiled container stores), or why it has none.
    std::optional<Result<tokenize::ChatTemplateSource>> chatTemplate;
    // The tokenizer's special tokens as a chat template sees them, for a template given on its own.
    std::string specialTokensJson = "{}";
    // generation_config.json next to a float model, read when a reply needs its stop ids.
    std::optional<std::string> generationConfigJson;
    std::string generationConfigPath;  // for messages
};

// Resolves the path, reads config and tokenizer, loads the weights layer by layer. Errors carry the model
// directory in their message; Cancelled when `stop` fires between layers.
Result<LoadedModel> loadFloatModel(const std::string& modelPath, const ProgressFn& progress, const StopToken& stop);

// Opens a compiled container (compiled/CompiledModelFile) with the input embedding the user supplies (a
// torch.save'd [vocab, hidden] tensor, float32/bfloat16/float16; the rotated one when the container says so).
// The tokenizer comes from the files stored in the container. `directory` is set to the container path.
// Errors: those of CompiledModelFile::open and EmbeddingTable::load; InvalidArgument when the embedding's shape
// does not match the config (naming both, and the rotated embedding when the model needs one); NotFound when
// the container stores no tokenizer; Cancelled between layers.
Result<LoadedModel> loadCompiledModel(const std::string& mxqPath, const std::string& embeddingPath,
                                      const ProgressFn& progress, const StopToken& stop);

// The compiled model when `mxqPath` is set (then `embeddingPath` is required), the float model otherwise.
Result<LoadedModel> loadModelForRun(const std::string& modelPath, const std::string& mxqPath,
                                    const std::string& embeddingPath, const ProgressFn& progress,
                                    const StopToken& stop);

// Runs `body`, turning any exception that escapes libtorch or the standard library into an Error
// prefixed with `what` (e.g. "generating with <dir>").
template <typename T, typename F>
Result<T> guarded(const std::string& what, F&& body)
{
    try {
        return body();
    } catch (const std::exception& e) {
        return makeError(ErrorCode::Internal, what + ": " + e.what());
    }
}

}  // namespace lathe::runtime
