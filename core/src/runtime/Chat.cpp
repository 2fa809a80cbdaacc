#include "lathe/runtime/Chat.h"

#include "lathe/common/ComputeThreads.h"
#include "runtime/GenerationLoop.h"
#include "runtime/LoadedModel.h"

#include <nlohmann/json.hpp>

namespace lathe::runtime {

Result<int> chat(const ChatOptions& options, const std::function<std::optional<std::string>()>& nextUserTurn,
                 const std::function<void(std::string_view)>& onText,
                 const std::function<void(const ChatTurn&)>& onTurnEnd, StopToken stop)
{
    LATHE_TRY(checkGenerateOptions(options.generate));
    const GenerateOptions& g = options.generate;
    auto model = loadModelForRun(g.modelPath, g.mxqPath, g.embeddingPath, {}, stop);
    if (!model) return model.error();
    setComputeThreads(g.threads, model->decoder->config().hiddenSize);

    std::optional<tokenize::ChatTemplateSource> source;
    if (!options.templateFile.empty()) {
        auto file = tokenize::ChatTemplateSource::fromFile(options.templateFile);
        if (!file) return file.error();
        source = std::move(*file);
        source->specialTokensJson = model->specialTokensJson;
    } else if (model->chatTemplate && !model->chatTemplate->ok()) {
        const Error& error = model->chatTemplate->error();
        if (error.code != ErrorCode::NotFound) return error;
        return makeError(error.code, error.message + "; give a template file with --chat-template");
    } else if (model->chatTemplate) {
        source = **model->chatTemplate;
    } else {
        return makeError(ErrorCode::NotFound, "the model " + model->directory + " has no chat template");
    }

    return guarded<int>("chatting with " + model->directory, [&]() -> Result<int> {
        auto stopAt = stopIds(*model);
        if (!stopAt) return stopAt.error();
        nlohmann::json messages = nlohmann::json::array();
        if (!options.system.empty()) messages.push_back({{"role", "system"}, {"content", options.system}});
        int turns = 0;
        while (auto user = nextUserTurn()) {
            if (stop.stopRequested()) return makeError(ErrorCode::Cancelled, "chat cancelled");
            messages.push_back({{"role", "user"}, {"content", *user}});
            tokenize::ChatRequest request;
            // Text that is not UTF-8 (a Latin-1 terminal) is carried with U+FFFD rather than failing the session.
            request.conversationJson = messages.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
            request.addGenerationPrompt = true;
            request.enableThinking = options.enableThinking;
            auto text = tokenize::renderChat(*source, request);
            if (!text) return text.error();
            auto prompt = model->tokenizer->encode(*text, /*addSpecial=*/false);
            if (!prompt) return prompt.error().withContext("tokenizing the conversation");
            ChatTurn turn;
            auto result = runGeneration(
                *model, *prompt, g, *stopAt,
                [&](std::string_view piece) {
                    turn.reply.append(piece);
                    if (onText) onText(piece);
                },
                stop);
            if (!result) return result.error();
            turn.result = *result;
            messages.push_back({{"role", "assistant"}, {"content", turn.reply}});
            ++turns;
            if (onTurnEnd) onTurnEnd(turn);
        }
        return turns;
    });
}

}  // namespace lathe::runtime
