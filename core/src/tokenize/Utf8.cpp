#include "Utf8.h"

#include <unicode/uchar.h>

namespace lathe::tokenize::utf8 {

namespace {

// Valid second-byte range for each lead byte (Unicode Table 3-7); later bytes are always 80..BF.
bool secondByteOk(unsigned char lead, unsigned char second)
{
    switch (lead) {
    case 0xE0: return second >= 0xA0 && second <= 0xBF;
    case 0xED: return second >= 0x80 && second <= 0x9F;
    case 0xF0: return second >= 0x90 && second <= 0xBF;
    case 0xF4: return second >= 0x80 && second <= 0x8F;
    default: return second >= 0x80 && second <= 0xBF;
    }
}

// Length of the well-formed sequence at `pos`, or 0 when ill-formed; `valid` gets how many bytes form
// the longest prefix of a well-formed sequence (the "maximal subpart" lossy decoding replaces).
size_t wellFormedLength(std::string_view text, size_t pos, size_t& valid)
{
    const auto lead = static_cast<unsigned char>(text[pos]);
    valid = 0;
    size_t length = 0;
    if (lead < 0x80) length = 1;
    else if (lead >= 0xC2 && lead <= 0xDF) length = 2;
    else if (lead >= 0xE0 && lead <= 0xEF) length = 3;
    else if (lead >= 0xF0 && lead <= 0xF4) length = 4;
    else return 0;
    valid = 1;
    for (size_t i = 1; i < length; ++i) {
        if (pos + i >= text.size()) return 0;
        const auto byte = static_cast<unsigned char>(text[pos + i]);
        const bool ok = i == 1 ? secondByteOk(lead, byte) : (byte >= 0x80 && byte <= 0xBF);
        if (!ok) return 0;
        ++valid;
    }
    return length;
}

}  // namespace

size_t firstInvalid(std::string_view text)
{
    size_t pos = 0;
    while (pos < text.size()) {
        // ASCII runs dominate most text; skip them eight bytes at a time.
        while (pos + 8 <= text.size()) {
            unsigned long long word = 0;
            for (int i = 0; i < 8; ++i) word |= static_cast<unsigned long long>(static_cast<unsigned char>(text[pos + i])) << (8 * i);
            if (word & 0x8080808080808080ULL) break;
            pos += 8;
        }
        if (pos >= text.size()) break;
        size_t valid = 0;
        const size_t length = wellFormedLength(text, pos, valid);
        if (length == 0) return pos;
        pos += length;
    }
    return std::string_view::npos;
}

char32_t next(std::string_view text, size_t& pos)
{
    const auto lead = static_cast<unsigned char>(text[pos]);
    const size_t length = sequenceLength(lead);
    char32_t c = length == 1 ? lead : length == 2 ? (lead & 0x1F) : length == 3 ? (lead & 0x0F) : (lead & 0x07);
    for (size_t i = 1; i < length && pos + i < text.size(); ++i) c = (c << 6) | (static_cast<unsigned char>(text[pos + i]) & 0x3F);
    pos += length;
    return c;
}

char32_t previous(std::string_view text, size_t& end)
{
    size_t start = end - 1;
    while (start > 0 && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) --start;
    size_t pos = start;
    const char32_t c = next(text, pos);
    end = start;
    return c;
}

void append(std::string& out, char32_t c)
{
    if (c < 0x80) {
        out += static_cast<char>(c);
    } else if (c < 0x800) {
        out += static_cast<char>(0xC0 | (c >> 6));
        out += static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
        out += static_cast<char>(0xE0 | (c >> 12));
        out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (c & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (c >> 18));
        out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (c & 0x3F));
    }
}

std::string lossy(std::string_view bytes)
{
    std::string out;
    out.reserve(bytes.size());
    size_t pos = 0;
    while (pos < bytes.size()) {
        size_t valid = 0;
        const size_t length = wellFormedLength(bytes, pos, valid);
        if (length > 0) {
            out.append(bytes.substr(pos, length));
            pos += length;
        } else {
            out += "\xEF\xBF\xBD";
            pos += valid > 0 ? valid : 1;
        }
    }
    return out;
}

bool isWhitespace(char32_t c)
{
    return u_hasBinaryProperty(static_cast<UChar32>(c), UCHAR_WHITE_SPACE);
}

bool isWordCharacter(char32_t c)
{
    const auto cp = static_cast<UChar32>(c);
    if (u_hasBinaryProperty(cp, UCHAR_ALPHABETIC) || u_hasBinaryProperty(cp, UCHAR_JOIN_CONTROL)) return true;
    const auto mask = U_GET_GC_MASK(cp);
    return (mask & (U_GC_M_MASK | U_GC_ND_MASK | U_GC_PC_MASK)) != 0;
}

}  // namespace lathe::tokenize::utf8
