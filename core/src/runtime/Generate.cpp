#include "lathe/runtime/Generate.h"

#include "lathe/common/ComputeThreads.h"
#include "lathe/tokenize/StreamingDecoder.h"
#include "runtime/LoadedModel.h"
#include "runtime/Sampler.h"

#include <algorithm>
#include <chrono>

namespace lathe::runtime {

Result<GenerateResult> generate(const GenerateOptions& options, const std::function<void(std::string_view)>& onText,
                                StopToken stop)
{
    if (options.maxNewTokens < 0)
        return makeError(ErrorCode::InvalidArgument, "--max-new-tokens must not be negative");
    if (!options.greedy && !(options.temperature > 0.0))
        return makeError(ErrorCode::InvalidArgument, "--temperature must be greater than 0 (use --greedy for argmax)");
    if (!(options.topP > 0.0 && options.topP <= 1.0))
        return makeError(ErrorCode::InvalidArgument, "--top-p must be in (0, 1]");
    auto model = loadModelForRun(options.modelPath, options.mxqPath, options.embeddingPath, {}, stop);
    if (!model) return model.error();
    setComputeThreads(options.threads, model->decoder->config().hiddenSize);

    return guarded<GenerateResult>("generating with " + model->directory, [&]() -> Result<GenerateResult> {
        using Clock = std::chrono::steady_clock;
        const model::ModelConfig& config = model->decoder->config();
        auto prompt = model->tokenizer->encode(options.prompt, /*addSpecial=*/true);
        if (!prompt) return prompt.error().withContext("tokenizing the prompt");
        if (prompt->empty())
            return makeError(ErrorCode::InvalidArgument,
                             "the prompt is empty and the tokenizer adds no BOS token; give a prompt");
        const int64_t contextLimit = config.maxPositionEmbeddings > 0 ? config.maxPositionEmbeddings : INT32_MAX;
        if (static_cast<int64_t>(prompt->size()) > contextLimit)
            return makeError(ErrorCode::InvalidArgument, "the prompt has " + std::to_string(prompt->size()) +
                                                             " tokens, more than the model's context of " +
                                                             std::to_string(contextLimit));
        std::vector<int32_t> eos = config.eosTokenIds;
        if (auto id = model->tokenizer->eosId()) eos.push_back(*id);

        GenerateResult result;
        result.promptTokens = static_cast<int>(prompt->size());
        const int64_t capacity = std::min<int64_t>(contextLimit, int64_t(prompt->size()) + options.maxNewTokens);
        model::KvCache cache = model->decoder->makeCache(1, capacity);
        Sampler sampler(options.greedy, options.temperature, options.topP, options.seed);

        // The prompt goes through the streaming decoder unprinted, so the continuation's first piece
        // keeps the leading space sentencepiece strips only at the start of a text.
        tokenize::StreamingDecoder text(*model->tokenizer);
        auto primed = text.push(*prompt);
        if (!primed) return primed.error();

        auto ids = at::empty({1, int64_t(prompt->size())}, at::kLong);
        std::copy(prompt->begin(), prompt->end(), ids.data_ptr<int64_t>());
        auto t0 = Clock::now();
        auto logits = model->decoder->forward(ids, cache);
        result.secondsPrefill = std::chrono::duration<double>(Clock::now() - t0).count();
        t0 = Clock::now();
        for (;;) {
            if (result.generatedTokens >= options.maxNewTokens) {
                result.stopReason = StopReason::MaxNewTokens;
                break;
            }
            if (stop.stopRequested()) return makeError(ErrorCode::Cancelled, "generation cancelled");
            const int32_t next = sampler.next(logits[0][logits.size(1) - 1]);
            if (std::find(eos.begin(), eos.end(), next) != eos.end()) {
                result.stopReason = StopReason::EndOfSequence;
                break;
            }
            ++result.generatedTokens;
            auto piece = text.push(next);
            if (!piece) return piece.error();
            if (!piece->empty() && onText) onText(*piece);
            if (result.generatedTokens >= options.maxNewTokens) {
                result.stopReason = StopReason::MaxNewTokens;
                break;
            }
            if (cache.length >= cache.capacity) {
                result.stopReason = StopReason::ContextFull;
                break;
            }
            auto step = at::full({1, 1}, int64_t(next), at::kLong);
            logits = model->decoder->forward(step, cache);
        }
        const std::string tail = text.finish();
        if (!tail.empty() && onText) onText(tail);
        result.secondsDecode = std::chrono::duration<double>(Clock::now() - t0).count();
        return result;
    });
}

}  // namespace lathe::runtime
