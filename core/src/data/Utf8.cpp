#include "data/Utf8.h"

namespace lathe::data {

std::optional<std::size_t> firstInvalidUtf8(std::string_view text)
{
    const auto* s = reinterpret_cast<const unsigned char*>(text.data());
    const std::size_t n = text.size();
    std::size_t i = 0;
    while (i < n) {
        const unsigned char c = s[i];
        if (c < 0x80) {
            ++i;
            continue;
        }
        std::size_t length = 0;
        unsigned char lo = 0x80, hi = 0xbf;  // allowed range of the second byte
        if (c >= 0xc2 && c <= 0xdf)
            length = 2;
        else if (c == 0xe0)
            length = 3, lo = 0xa0;
        else if (c >= 0xe1 && c <= 0xec)
            length = 3;
        else if (c == 0xed)
            length = 3, hi = 0x9f;
        else if (c >= 0xee && c <= 0xef)
            length = 3;
        else if (c == 0xf0)
            length = 4, lo = 0x90;
        else if (c >= 0xf1 && c <= 0xf3)
            length = 4;
        else if (c == 0xf4)
            length = 4, hi = 0x8f;
        else
            return i;
        if (i + length > n) return i;
        if (s[i + 1] < lo || s[i + 1] > hi) return i;
        for (std::size_t k = 2; k < length; ++k)
            if (s[i + k] < 0x80 || s[i + k] > 0xbf) return i;
        i += length;
    }
    return std::nullopt;
}

}  // namespace lathe::data
