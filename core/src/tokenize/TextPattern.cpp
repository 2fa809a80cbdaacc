#include "TextPattern.h"

namespace lathe::tokenize {

TextPattern TextPattern::literal(std::string text)
{
    TextPattern out;
    out.m_literal = std::move(text);
    return out;
}

TextPattern TextPattern::regex(const std::string& onigPattern, const std::string& path)
{
    std::string error;
    auto compiled = Pcre2Regex::compile(onigPattern, error);
    if (!compiled) failUnsupported(path, "regular expression \"" + onigPattern + "\" (" + error + ")");
    TextPattern out;
    out.m_regex = std::move(compiled);
    return out;
}

TextPattern TextPattern::fromJson(const Json& pattern, const std::string& path)
{
    if (pattern.is_object() && pattern.contains("String")) return literal(requireString(pattern, "String", path));
    if (pattern.is_object() && pattern.contains("Regex"))
        return regex(requireString(pattern, "Regex", path), childPath(path, "Regex"));
    failCorrupt(path, "expected {\"String\": ...} or {\"Regex\": ...}");
}

std::string TextPattern::replaceAll(std::string_view text, std::string_view content) const
{
    std::string out;
    out.reserve(text.size());
    size_t copied = 0;
    forEachMatch(text, [&](size_t begin, size_t end) {
        out.append(text.substr(copied, begin - copied));
        out.append(content);
        copied = end;
    });
    out.append(text.substr(copied));
    return out;
}

}  // namespace lathe::tokenize
