#pragma once
// A model's chat template as transformers finds it, and a conversation rendered with it as apply_chat_template
// renders one.

#include "lathe/common/Result.h"

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lathe::tokenize {

struct ChatTemplateSource {
    std::string text;    // the Jinja source
    std::string origin;  // where it came from, for messages: "<dir>/chat_template.jinja", "<dir>/tokenizer_config.json"
    // The tokenizer's special tokens as the template sees them (bos_token, eos_token, unk_token, pad_token, ...),
    // a JSON object. Empty when the folder has no tokenizer_config.json.
    std::string specialTokensJson = "{}";
    // The names of every template the file offers when it offers a list ("default", "tool_use", ...).
    std::vector<std::string> names;

    // Reads the chat template of a model folder: chat_template.jinja when present (transformers prefers it),
    // else tokenizer_config.json's chat_template, a string or a list of {name, template}. From a list, `name`
    // picks one; without a name, "tool_use" when `withTools` and the list has it, else "default". Errors:
    // NotFound (no template, or no template of that name; the message lists what was looked for and the names
    // offered), Corrupt (malformed JSON or fields of the wrong type), Io.
    static Result<ChatTemplateSource> find(const std::filesystem::path& modelDir, const std::string& name = {},
                                           bool withTools = false);
    // A template file given on its own (`--template`). Special tokens still come from `modelDir` when it has a
    // tokenizer_config.json (`modelDir` may be empty).
    static Result<ChatTemplateSource> fromFile(const std::filesystem::path& file,
                                               const std::filesystem::path& modelDir = {});
    // The special tokens of a folder's tokenizer_config.json as a JSON object ("{}" without one), whether or not
    // it has a chat template. Errors: Corrupt, Io.
    static Result<std::string> specialTokens(const std::filesystem::path& modelDir);
};

struct ChatRequest {
    // A JSON array of messages, or an object with "messages" and any further variables the template reads
    // ("tools", "documents", "date_string", "enable_thinking", ...).
    std::string conversationJson;
    bool addGenerationPrompt = false;
    std::optional<bool> enableThinking;  // sets enable_thinking (Qwen3, EXAONE 4) when given
};

// Whether the conversation carries a non-null "tools" variable (it then picks a "tool_use" template by default).
bool hasTools(const ChatRequest& request);

// Renders the conversation. The variables are tools and documents (none unless given), the special tokens, then the
// conversation's own, then add_generation_prompt and enable_thinking, so a later source wins as in
// apply_chat_template. Errors:
// InvalidArgument (the conversation is not valid JSON, or messages is missing or not a list of objects with a
// string role) and the template's own errors (its raise_exception, unsupported constructs), prefixed with
// `source.origin`.
Result<std::string> renderChat(const ChatTemplateSource& source, const ChatRequest& request);

}  // namespace lathe::tokenize
