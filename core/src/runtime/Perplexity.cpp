#include "lathe/runtime/Perplexity.h"

#include "lathe/common/ComputeThreads.h"
#include "runtime/EvalText.h"
#include "runtime/LoadedModel.h"
#include "runtime/PerplexityWindows.h"

#include <chrono>

namespace lathe::runtime {

Result<PerplexityResult> evaluatePerplexity(const EvalOptions& options, const ProgressFn& progress, StopToken stop)
{
    const auto start = std::chrono::steady_clock::now();
    if (options.ctx < 0 || options.ctx == 1)
        return makeError(ErrorCode::InvalidArgument, "--ctx must be at least 2, got " + std::to_string(options.ctx));
    auto text = readEvalText(options.textFile);
    if (!text) return text.error();
    auto model = loadModelForRun(options.modelPath, options.mxqPath, options.embeddingPath, progress, stop);
    if (!model) return model.error();
    setComputeThreads(options.threads, model->decoder->config().hiddenSize);

    return guarded<PerplexityResult>("evaluating " + model->directory, [&]() -> Result<PerplexityResult> {
        const model::ModelConfig& config = model->decoder->config();
        auto ctx = evalWindowLength(options.ctx, config);
        if (!ctx) return ctx.error();
        std::optional<int32_t> bos;
        if (options.addBos) {
            bos = model->tokenizer->bosId();
            if (!bos)
                return makeError(ErrorCode::InvalidArgument, "the tokenizer of " + model->directory +
                                                                 " has no BOS token; evaluate with --no-bos");
        }
        if (progress) progress({"tokenize", options.textFile, 0, 0, "bytes"});
        int64_t droppedLines = 0;
        const std::string kept = dropMatchingLines(*text, options.dropLines, droppedLines);
        auto tokens = model->tokenizer->encode(kept, /*addSpecial=*/false);
        if (!tokens) return tokens.error().withContext("tokenizing " + options.textFile);
        auto result = perplexityOfTokens(*model->decoder, *tokens, *ctx, bos, options.batchWindows, progress, stop);
        if (!result) return result.error();
        result->droppedLines = droppedLines;
        result->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        return result;
    });
}

}  // namespace lathe::runtime
