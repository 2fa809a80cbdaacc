// Chat templates (tokenize/ChatTemplate): a model's Jinja template is code from a stranger. Each input is parsed
// as a template and rendered for a conversation with every kind of turn, tools and the usual variables.
#include "FuzzSupport.h"
#include "lathe/tokenize/ChatTemplate.h"

#include <string_view>

namespace {

constexpr std::string_view kContext = R"({
  "bos_token": "<s>", "eos_token": "</s>", "add_generation_prompt": true, "enable_thinking": false,
  "date_string": "07 Dec 2026",
  "tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "object",
             "properties": {"x": {"type": "number"}}}}}],
  "messages": [
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": "Hi 👋 <b>"},
    {"role": "assistant", "content": "<think>\nok\n</think>\n\nHello.",
     "tool_calls": [{"type": "function", "function": {"name": "f", "arguments": {"x": 1.5}}}]},
    {"role": "tool", "content": "{\"y\": [1, 2]}"},
    {"role": "user", "content": [{"type": "text", "text": "two"}, {"type": "image"}]}
  ]
})";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace lathe;
    const std::string_view source(reinterpret_cast<const char*>(data), size);
    auto parsed = tokenize::ChatTemplate::parse(source, "fuzz.jinja");
    if (fuzz::accepted(parsed, "chat template")) {
        auto text = parsed->render(kContext);
        if (fuzz::accepted(text, "chat template render"))
            fuzz::touch(reinterpret_cast<const std::uint8_t*>(text->data()), text->size());
    }
    return 0;
}
