#include "lathe/runtime/Compare.h"

#include "lathe/common/ComputeThreads.h"
#include "runtime/EvalText.h"
#include "runtime/LoadedModel.h"
#include "runtime/PerplexityWindows.h"

#include <algorithm>
#include <chrono>
#include <cmath>

namespace lathe::runtime {

Result<CompareResult> compareModels(const EvalOptions& options, const ProgressFn& progress, StopToken stop)
{
    const auto start = std::chrono::steady_clock::now();
    if (options.modelPath.empty() || options.mxqPath.empty() || options.embeddingPath.empty())
        return makeError(ErrorCode::InvalidArgument,
                         "comparing needs the float model (--model-path), the compiled model (--mxq-path) and its "
                         "embedding (--embedding-weight-path)");
    if (options.ctx < 0 || options.ctx == 1)
        return makeError(ErrorCode::InvalidArgument, "--ctx must be at least 2, got " + std::to_string(options.ctx));
    auto text = readEvalText(options.textFile);
    if (!text) return text.error();
    auto reference = loadFloatModel(options.modelPath, progress, stop);
    if (!reference) return reference.error();
    auto compiled = loadCompiledModel(options.mxqPath, options.embeddingPath, progress, stop);
    if (!compiled) return compiled.error();
    setComputeThreads(options.threads, reference->decoder->config().hiddenSize);

    return guarded<CompareResult>(
        "comparing " + reference->directory + " with " + options.mxqPath, [&]() -> Result<CompareResult> {
            const model::ModelConfig& fc = reference->decoder->config();
            const model::ModelConfig& cc = compiled->decoder->config();
            if (fc.vocabSize != cc.vocabSize || fc.hiddenSize != cc.hiddenSize || fc.numLayers != cc.numLayers)
                return makeError(ErrorCode::InvalidArgument,
                                 options.mxqPath + " was not compiled from " + reference->directory + ": vocab " +
                                     std::to_string(cc.vocabSize) + " vs " + std::to_string(fc.vocabSize) +
                                     ", hidden " + std::to_string(cc.hiddenSize) + " vs " +
                                     std::to_string(fc.hiddenSize) + ", layers " + std::to_string(cc.numLayers) +
                                     " vs " + std::to_string(fc.numLayers));
            auto ctx = evalWindowLength(options.ctx, fc);
            if (!ctx) return ctx.error();
            auto compiledCtx = evalWindowLength(*ctx, cc);
            if (!compiledCtx) return compiledCtx.error();
            std::optional<int32_t> bos;
            if (options.addBos) {
                bos = reference->tokenizer->bosId();
                if (!bos)
                    return makeError(ErrorCode::InvalidArgument, "the tokenizer of " + reference->directory +
                                                                     " has no BOS token; compare with --no-bos");
            }
            if (progress) progress({"tokenize", options.textFile, 0, 0, "bytes"});
            int64_t droppedLines = 0;
            const std::string kept = dropMatchingLines(*text, options.dropLines, droppedLines);
            auto tokens = reference->tokenizer->encode(kept, /*addSpecial=*/false);
            if (!tokens) return tokens.error().withContext("tokenizing " + options.textFile);
            auto plan = planWindows(static_cast<int64_t>(tokens->size()), *ctx, bos.has_value());
            if (!plan) return plan.error();

            CompareResult r;
            r.floatResult = *plan;
            r.floatResult.droppedLines = droppedLines;
            const int64_t windows = plan->windows;
            const int64_t batch = std::max(1, options.batchWindows);
            double nllFloat = 0, nllCompiled = 0;
            int64_t scored = 0;
            for (int64_t w0 = 0; w0 < windows; w0 += batch) {
                if (stop.stopRequested()) return makeError(ErrorCode::Cancelled, "comparison cancelled");
                const int64_t rows = std::min(batch, windows - w0);
                auto ids = windowIds(*tokens, *ctx, bos, w0, rows);
                auto logitsFloat = reference->decoder->forward(ids);
                auto logitsCompiled = compiled->decoder->forward(ids);
                nllFloat += scoredTokenNll(logitsFloat, ids).to(at::kDouble).sum().item<double>();
                nllCompiled += scoredTokenNll(logitsCompiled, ids).to(at::kDouble).sum().item<double>();
                auto topFloat = logitsFloat.narrow(1, 0, *ctx - 1).argmax(-1);
                auto topCompiled = logitsCompiled.narrow(1, 0, *ctx - 1).argmax(-1);
                r.agreeingPositions += topFloat.eq(topCompiled).sum().item<int64_t>();
                scored += rows * (*ctx - 1);
                if (progress) progress({"compare", "", w0 + rows, windows, "windows"});
            }
            r.floatResult.scoredTokens = scored;
            r.floatResult.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            r.compiledResult = r.floatResult;
            r.floatResult.meanNll = nllFloat / static_cast<double>(scored);
            r.floatResult.perplexity = std::exp(r.floatResult.meanNll);
            r.compiledResult.meanNll = nllCompiled / static_cast<double>(scored);
            r.compiledResult.perplexity = std::exp(r.compiledResult.meanNll);
            r.perplexityRatio = r.compiledResult.perplexity / r.floatResult.perplexity;
            r.top1Agreement = static_cast<double>(r.agreeingPositions) / static_cast<double>(scored);
            return r;
        });
}

}  // namespace lathe::runtime
