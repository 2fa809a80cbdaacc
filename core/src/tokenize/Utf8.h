#pragma once
// UTF-8 helpers for the tokenizer.json engine. Text reaching them has been validated once at the
// encode boundary, so decoding here does not re-check.

#include <cstddef>
#include <string>
#include <string_view>

namespace lathe::tokenize::utf8 {

// Offset of the first byte that does not start a well-formed UTF-8 sequence (overlongs, surrogates
// and code points above U+10FFFF are ill-formed), or npos when the whole text is valid.
size_t firstInvalid(std::string_view text);

// Length of the sequence a lead byte starts (1 for anything that is not a multi-byte lead).
inline size_t sequenceLength(unsigned char lead)
{
    return lead < 0xC0 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
}

// Decodes the character at `pos` of valid UTF-8 and advances `pos` past it.
char32_t next(std::string_view text, size_t& pos);
// Decodes the character that ends at `end` of valid UTF-8 and moves `end` to its first byte.
char32_t previous(std::string_view text, size_t& end);

void append(std::string& out, char32_t c);

// Bytes → text the way Rust's String::from_utf8_lossy does: each maximal ill-formed subpart becomes
// one U+FFFD.
std::string lossy(std::string_view bytes);

// Unicode White_Space, the set Oniguruma's and Rust's \s match.
bool isWhitespace(char32_t c);
// Rust regex \w: Alphabetic, marks, decimal digits, connector punctuation, join controls.
bool isWordCharacter(char32_t c);

}  // namespace lathe::tokenize::utf8
