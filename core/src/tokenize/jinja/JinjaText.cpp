#include "tokenize/jinja/JinjaText.h"

#include <unicode/locid.h>
#include <unicode/unistr.h>

namespace lathe::tokenize::jinja::text {

char32_t next(std::string_view s, size_t& pos)
{
    const auto lead = static_cast<unsigned char>(s[pos]);
    const size_t extra = lead >= 0xC2 && lead < 0xE0   ? 1
                         : lead >= 0xE0 && lead < 0xF0 ? 2
                         : lead >= 0xF0 && lead < 0xF5 ? 3
                                                       : 0;
    if (extra == 0 || pos + extra >= s.size()) {
        ++pos;
        return lead;
    }
    char32_t c = lead & (0x3F >> extra);
    for (size_t i = 1; i <= extra; ++i) {
        const auto b = static_cast<unsigned char>(s[pos + i]);
        if ((b & 0xC0) != 0x80) {
            ++pos;
            return lead;
        }
        c = (c << 6) | (b & 0x3F);
    }
    pos += extra + 1;
    return c;
}

std::vector<std::string_view> characters(std::string_view s)
{
    std::vector<std::string_view> out;
    size_t pos = 0;
    while (pos < s.size()) {
        const size_t start = pos;
        next(s, pos);
        out.push_back(s.substr(start, pos - start));
    }
    return out;
}

size_t length(std::string_view s)
{
    size_t n = 0;
    for (size_t pos = 0; pos < s.size(); ++n) next(s, pos);
    return n;
}

bool isSpace(char32_t c)
{
    if (c <= 32) return c == 32 || (c >= 9 && c <= 13);
    return c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
           c == 0x205F || c == 0x3000 || c == 0xFEFF;
}

namespace {

template <typename Pred>
std::string_view trimIf(std::string_view s, bool left, bool right, Pred remove)
{
    size_t begin = 0;
    size_t end = s.size();
    if (left) {
        while (begin < end) {
            size_t pos = begin;
            if (!remove(next(s, pos))) break;
            begin = pos;
        }
    }
    if (right) {
        while (end > begin) {
            size_t start = end - 1;
            while (start > begin && end - start < 4 && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) --start;
            size_t pos = start;
            char32_t c = next(s, pos);
            if (pos != end) {
                start = end - 1;
                c = static_cast<unsigned char>(s[start]);
            }
            if (!remove(c)) break;
            end = start;
        }
    }
    return s.substr(begin, end - begin);
}

std::string mapCase(std::string_view s, bool upper)
{
    icu::UnicodeString u = icu::UnicodeString::fromUTF8(icu::StringPiece(s.data(), static_cast<int32_t>(s.size())));
    if (upper)
        u.toUpper(icu::Locale::getRoot());
    else
        u.toLower(icu::Locale::getRoot());
    std::string out;
    u.toUTF8String(out);
    return out;
}

bool isAsciiWord(char32_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

}  // namespace

std::string_view trim(std::string_view s, bool left, bool right)
{
    return trimIf(s, left, right, [](char32_t c) { return isSpace(c); });
}

std::string_view stripChars(std::string_view s, std::string_view chars, bool left, bool right)
{
    std::vector<char32_t> set;
    for (size_t pos = 0; pos < chars.size();) set.push_back(next(chars, pos));
    return trimIf(s, left, right, [&](char32_t c) {
        for (char32_t x : set)
            if (x == c) return true;
        return false;
    });
}

std::string toUpper(std::string_view s)
{
    return mapCase(s, true);
}
std::string toLower(std::string_view s)
{
    return mapCase(s, false);
}

std::string titleCase(std::string_view s)
{
    std::string out(s);
    bool prevWord = false;
    for (char& ch : out) {
        const auto c = static_cast<unsigned char>(ch);
        const bool word = isAsciiWord(c);
        if (word && !prevWord && c >= 'a' && c <= 'z') ch = static_cast<char>(c - 'a' + 'A');
        prevWord = word;
    }
    return out;
}

std::string capitalize(std::string_view s)
{
    if (s.empty()) return {};
    size_t pos = 0;
    next(s, pos);
    return toUpper(s.substr(0, pos)) + std::string(s.substr(pos));
}

std::string replace(std::string_view s, std::string_view from, std::string_view to, long long count)
{
    if (count == 0) return std::string(s);
    long long remaining = count < 0 ? -1 : count;
    std::string out;
    if (from.empty()) {
        // Inserts at every character boundary, both ends included, like Python.
        size_t pos = 0;
        while (true) {
            if (remaining != 0) {
                out += to;
                if (remaining > 0) --remaining;
            }
            if (pos >= s.size()) break;
            const size_t start = pos;
            next(s, pos);
            out += s.substr(start, pos - start);
        }
        return out;
    }
    size_t pos = 0;
    while (remaining != 0) {
        const size_t hit = s.find(from, pos);
        if (hit == std::string_view::npos) break;
        out += s.substr(pos, hit - pos);
        out += to;
        pos = hit + from.size();
        if (remaining > 0) --remaining;
    }
    out += s.substr(pos);
    return out;
}

std::vector<std::string> split(std::string_view s, std::string_view sep, long long maxSplit)
{
    std::vector<std::string> out;
    size_t pos = 0;
    while (maxSplit < 0 || static_cast<long long>(out.size()) < maxSplit) {
        const size_t hit = s.find(sep, pos);
        if (hit == std::string_view::npos) break;
        out.emplace_back(s.substr(pos, hit - pos));
        pos = hit + sep.size();
    }
    out.emplace_back(s.substr(pos));
    return out;
}

std::vector<std::string> rsplit(std::string_view s, std::string_view sep, long long maxSplit)
{
    std::vector<std::string> out;
    size_t end = s.size();
    while (maxSplit < 0 || static_cast<long long>(out.size()) < maxSplit) {
        if (end < sep.size()) break;
        const size_t hit = s.rfind(sep, end - sep.size());
        if (hit == std::string_view::npos) break;
        out.emplace_back(s.substr(hit + sep.size(), end - hit - sep.size()));
        end = hit;
    }
    out.emplace_back(s.substr(0, end));
    return {out.rbegin(), out.rend()};
}

namespace {

struct Word {
    size_t begin;
    size_t end;
};

std::vector<Word> words(std::string_view s)
{
    std::vector<Word> out;
    size_t pos = 0;
    while (pos < s.size()) {
        size_t p = pos;
        if (isSpace(next(s, p))) {
            pos = p;
            continue;
        }
        const size_t begin = pos;
        while (pos < s.size()) {
            p = pos;
            if (isSpace(next(s, p))) break;
            pos = p;
        }
        out.push_back({begin, pos});
    }
    return out;
}

}  // namespace

std::vector<std::string> splitWhitespace(std::string_view s, long long maxSplit)
{
    std::vector<std::string> out;
    const std::vector<Word> ws = words(s);
    for (size_t i = 0; i < ws.size(); ++i) {
        if (maxSplit >= 0 && static_cast<long long>(out.size()) >= maxSplit) {
            out.emplace_back(s.substr(ws[i].begin));
            break;
        }
        out.emplace_back(s.substr(ws[i].begin, ws[i].end - ws[i].begin));
    }
    return out;
}

std::vector<std::string> rsplitWhitespace(std::string_view s, long long maxSplit)
{
    std::vector<std::string> out;
    const std::vector<Word> ws = words(s);
    for (size_t i = ws.size(); i-- > 0;) {
        if (maxSplit >= 0 && static_cast<long long>(out.size()) >= maxSplit) {
            out.emplace_back(s.substr(0, ws[i].end));
            break;
        }
        out.emplace_back(s.substr(ws[i].begin, ws[i].end - ws[i].begin));
    }
    return {out.rbegin(), out.rend()};
}

}  // namespace lathe::tokenize::jinja::text
