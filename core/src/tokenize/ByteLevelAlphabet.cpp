#include "ByteLevelAlphabet.h"

#include "Utf8.h"

namespace lathe::tokenize {

const ByteLevelAlphabet& ByteLevelAlphabet::instance()
{
    static const ByteLevelAlphabet alphabet;
    return alphabet;
}

ByteLevelAlphabet::ByteLevelAlphabet()
{
    m_bytes.fill(-1);
    char32_t nextExtra = 256;
    for (int b = 0; b < 256; ++b) {
        const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
        const char32_t c = printable ? static_cast<char32_t>(b) : nextExtra++;
        m_chars[b] = c;
        m_bytes[c] = b;
        utf8::append(m_utf8[b], c);
    }
}

std::string ByteLevelAlphabet::encode(std::string_view bytes) const
{
    std::string out;
    out.reserve(bytes.size() * 2);
    for (const char byte : bytes) out += m_utf8[static_cast<uint8_t>(byte)];
    return out;
}

bool ByteLevelAlphabet::decode(std::string_view text, std::string& out) const
{
    out.clear();
    out.reserve(text.size());
    size_t pos = 0;
    while (pos < text.size()) {
        const int byte = byteOf(utf8::next(text, pos));
        if (byte < 0) return false;
        out += static_cast<char>(byte);
    }
    return true;
}

}  // namespace lathe::tokenize
