#pragma once
// GPT-2's byte-level alphabet: every byte maps to one printable character (bytes that are printable
// Latin-1 map to themselves, the rest to U+0100 onwards), so any byte string is a string of vocabulary
// characters. Used by the ByteLevel pre-tokenizer and decoder.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace lathe::tokenize {

class ByteLevelAlphabet {
public:
    static const ByteLevelAlphabet& instance();

    char32_t charOf(uint8_t byte) const { return m_chars[byte]; }
    const std::string& utf8Of(uint8_t byte) const { return m_utf8[byte]; }
    // The byte a character stands for, or -1 when it is not in the alphabet.
    int byteOf(char32_t c) const { return c < m_bytes.size() ? m_bytes[c] : -1; }

    // Raw bytes → alphabet characters (UTF-8).
    std::string encode(std::string_view bytes) const;
    // Alphabet characters → raw bytes; false (and `out` unspecified) when a character is not in it.
    bool decode(std::string_view text, std::string& out) const;

private:
    ByteLevelAlphabet();
    std::array<char32_t, 256> m_chars{};
    std::array<std::string, 256> m_utf8;
    std::array<int, 324> m_bytes{};  // the alphabet ends at U+0143
};

}  // namespace lathe::tokenize
