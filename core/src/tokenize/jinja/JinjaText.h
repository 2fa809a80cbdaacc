#pragma once
// Text helpers for the Jinja engine: lenient UTF-8 (template text is passed through byte for byte), the
// whitespace set of JavaScript's \s and String.prototype.trim, and Unicode case mapping.

#include <string>
#include <string_view>
#include <vector>

namespace lathe::tokenize::jinja::text {

// Decodes the character at `pos` and advances past it; a byte that starts no well-formed sequence is taken alone,
// so that ill-formed input never stops a scan.
char32_t next(std::string_view s, size_t& pos);
std::vector<std::string_view> characters(std::string_view s);
size_t length(std::string_view s);

bool isSpace(char32_t c);
std::string_view trim(std::string_view s, bool left, bool right);
// Python's str.strip(chars): removes any of the characters of `chars` from the ends.
std::string_view stripChars(std::string_view s, std::string_view chars, bool left, bool right);

std::string toUpper(std::string_view s);
std::string toLower(std::string_view s);
// The peer's title(): upper-cases each ASCII word character that follows a non-word character, leaves the rest.
std::string titleCase(std::string_view s);
std::string capitalize(std::string_view s);

std::string replace(std::string_view s, std::string_view from, std::string_view to, long long count);
std::vector<std::string> split(std::string_view s, std::string_view sep, long long maxSplit);
std::vector<std::string> splitWhitespace(std::string_view s, long long maxSplit);
std::vector<std::string> rsplit(std::string_view s, std::string_view sep, long long maxSplit);
std::vector<std::string> rsplitWhitespace(std::string_view s, long long maxSplit);

}  // namespace lathe::tokenize::jinja::text
