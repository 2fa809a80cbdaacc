#pragma once
// The pieces of text that flow from the pre-tokenizer into the model during one encode call.

#include <deque>
#include <string>
#include <string_view>

namespace lathe::tokenize {

struct PreToken {
    std::string_view text;
    // The ByteLevel pre-tokenizer ran: `text` holds raw bytes that stand for their byte-level
    // characters. The mapping is applied lazily because the model can look raw bytes up directly.
    bool rawBytes = false;
    // Starts at offset 0 of the original input (Metaspace's prepend_scheme "first" needs this).
    bool atStart = false;
};

// Owns the strings that pre-tokenizers create, so PreTokens can stay views. One per encode call.
class TextArena {
public:
    std::string_view keep(std::string text)
    {
        m_strings.push_back(std::move(text));
        return m_strings.back();
    }

private:
    std::deque<std::string> m_strings;  // a deque never moves its elements
};

}  // namespace lathe::tokenize
