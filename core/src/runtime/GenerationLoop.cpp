#include "runtime/GenerationLoop.h"

#include "../common/FileIo.h"
#include "lathe/tokenize/StreamingDecoder.h"
#include "runtime/Sampler.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <system_error>

namespace lathe::runtime {

Result<void> checkGenerateOptions(const GenerateOptions& options)
{
    if (options.maxNewTokens < 0) return makeError(ErrorCode::InvalidArgument, "--max-new-tokens must not be negative");
    if (!options.greedy && !(options.temperature > 0.0))
        return makeError(ErrorCode::InvalidArgument, "--temperature must be greater than 0 (use --greedy for argmax)");
    if (!(options.topP > 0.0 && options.topP <= 1.0))
        return makeError(ErrorCode::InvalidArgument, "--top-p must be in (0, 1]");
    return {};
}

Result<std::optional<std::string>> readGenerationConfig(const std::filesystem::path& dir)
{
    const std::filesystem::path file = dir / "generation_config.json";
    std::error_code ec;
    if (!std::filesystem::is_regular_file(file, ec)) return std::optional<std::string>();
    auto bytes = readWholeFile(file.string());
    if (!bytes) return bytes.error();
    return std::optional<std::string>(std::move(*bytes));
}

Result<std::vector<int32_t>> stopIds(const LoadedModel& model)
{
    std::vector<int32_t> ids(model.decoder->config().eosTokenIds.begin(), model.decoder->config().eosTokenIds.end());
    if (auto id = model.tokenizer->eosId()) ids.push_back(*id);
    if (!model.generationConfigJson) return ids;
    const std::string& where = model.generationConfigPath;
    const nlohmann::json config = nlohmann::json::parse(*model.generationConfigJson, nullptr, false);
    if (config.is_discarded() || !config.is_object())
        return makeError(ErrorCode::Corrupt, where + " is not a JSON object");
    if (!config.contains("eos_token_id") || config["eos_token_id"].is_null()) return ids;
    const nlohmann::json& eos = config["eos_token_id"];
    for (const nlohmann::json& id : eos.is_array() ? eos : nlohmann::json::array({eos})) {
        if (!id.is_number_integer() || id.get<int64_t>() < 0 || id.get<int64_t>() > INT32_MAX)
            return makeError(ErrorCode::Corrupt, where + ": eos_token_id must be a token id or a list of ids");
        ids.push_back(id.get<int32_t>());
    }
    return ids;
}

Result<GenerateResult> runGeneration(const LoadedModel& model, const std::vector<int32_t>& prompt,
                                     const GenerateOptions& options, const std::vector<int32_t>& stop,
                                     const std::function<void(std::string_view)>& onText, const StopToken& cancel)
{
    using Clock = std::chrono::steady_clock;
    const model::ModelConfig& config = model.decoder->config();
    if (prompt.empty())
        return makeError(ErrorCode::InvalidArgument,
                         "the prompt is empty and the tokenizer adds no BOS token; give a prompt");
    const int64_t contextLimit = config.maxPositionEmbeddings > 0 ? config.maxPositionEmbeddings : INT32_MAX;
    if (static_cast<int64_t>(prompt.size()) > contextLimit)
        return makeError(ErrorCode::InvalidArgument, "the prompt has " + std::to_string(prompt.size()) +
                                                         " tokens, more than the model's context of " +
                                                         std::to_string(contextLimit));

    GenerateResult result;
    result.promptTokens = static_cast<int>(prompt.size());
    const int64_t capacity = std::min<int64_t>(contextLimit, int64_t(prompt.size()) + options.maxNewTokens);
    model::KvCache cache = model.decoder->makeCache(1, capacity);
    Sampler sampler(options.greedy, options.temperature, options.topP, options.seed);

    // The prompt goes through the streaming decoder unprinted, so the continuation's first piece
    // keeps the leading space sentencepiece strips only at the start of a text.
    tokenize::StreamingDecoder text(*model.tokenizer);
    auto primed = text.push(prompt);
    if (!primed) return primed.error();

    auto ids = at::empty({1, int64_t(prompt.size())}, at::kLong);
    std::copy(prompt.begin(), prompt.end(), ids.data_ptr<int64_t>());
    auto t0 = Clock::now();
    auto logits = model.decoder->forward(ids, cache);
    result.secondsPrefill = std::chrono::duration<double>(Clock::now() - t0).count();
    t0 = Clock::now();
    for (;;) {
        if (result.generatedTokens >= options.maxNewTokens) {
            result.stopReason = StopReason::MaxNewTokens;
            break;
        }
        if (cancel.stopRequested()) return makeError(ErrorCode::Cancelled, "generation cancelled");
        const int32_t next = sampler.next(logits[0][logits.size(1) - 1]);
        if (std::find(stop.begin(), stop.end(), next) != stop.end()) {
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
        logits = model.decoder->forward(step, cache);
    }
    const std::string tail = text.finish();
    if (!tail.empty() && onText) onText(tail);
    result.secondsDecode = std::chrono::duration<double>(Clock::now() - t0).count();
    return result;
}

}  // namespace lathe::runtime
