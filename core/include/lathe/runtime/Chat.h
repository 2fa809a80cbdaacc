#pragma once
// A conversation with an Instruct model: each user turn is rendered with the model's chat template and answered.

#include "lathe/runtime/Generate.h"

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace lathe::runtime {

struct ChatOptions {
    GenerateOptions generate;  // the model and sampling; `prompt` is not used
    std::string system;        // the system turn; empty for none
    std::string templateFile;  // a Jinja file used instead of the model's chat template
    std::optional<bool> enableThinking;
};

struct ChatTurn {
    std::string reply;  // the assistant's text, as added to the conversation
    GenerateResult result;
};

// Loads the model once, then asks `nextUserTurn` for each user message until it returns nullopt. Each turn renders
// the whole conversation so far with the chat template (add_generation_prompt on; the template adds the special
// tokens, so the tokenizer adds none), generates the reply until an end-of-turn id (config.json's and
// generation_config.json's eos_token_id, the tokenizer's EOS) streaming it through onText, appends it to the
// conversation and calls onTurnEnd. Returns the number of turns answered. Errors: those of generate(); NotFound
// when the model has no chat template and no templateFile is given; the template's own errors.
Result<int> chat(const ChatOptions& options, const std::function<std::optional<std::string>()>& nextUserTurn,
                 const std::function<void(std::string_view)>& onText,
                 const std::function<void(const ChatTurn&)>& onTurnEnd, StopToken stop = {});

}  // namespace lathe::runtime
