#pragma once

#include "lathe/common/Result.h"

#include <memory>
#include <string>
#include <string_view>

namespace lathe::tokenize {

// A Jinja chat template parsed once and rendered for any number of conversations. It renders what
// @huggingface/jinja renders (the engine of transformers.js) with lstrip_blocks and trim_blocks on, as
// transformers' apply_chat_template configures Jinja.
//
// Errors name the template, the line and column (1-based) and what went wrong, e.g.
// "chat_template:12:5: unsupported statement 'include'". Corrupt: malformed template syntax. Unsupported: a
// statement, filter or test the engine does not implement. InvalidArgument: the context is not a JSON object,
// the template called raise_exception(), a type error while rendering, or a render limit (nesting, loop
// iterations, output size) was reached. Neither function throws.
class ChatTemplate {
public:
    // name is used in error messages ("chat_template", "tool_use", a file name ...).
    static Result<ChatTemplate> parse(std::string_view source, std::string name = "chat_template");
    // context: a JSON object (text) whose members become the template's variables, e.g.
    // {"messages":[{"role":"user","content":"hi"}],"add_generation_prompt":true,"bos_token":"<s>",
    //  "enable_thinking":false, "tools":[...]}.
    // strftime_now(format) and raise_exception(message) are always defined; namespace(), range(), dict() too.
    // Safe to call from several threads at once: a render shares nothing with another.
    Result<std::string> render(std::string_view contextJson) const;

    ChatTemplate(ChatTemplate&&) noexcept;
    ChatTemplate& operator=(ChatTemplate&&) noexcept;
    ~ChatTemplate();

private:
    struct Program;
    explicit ChatTemplate(std::unique_ptr<Program>);
    std::unique_ptr<Program> m_program;
};

}  // namespace lathe::tokenize
