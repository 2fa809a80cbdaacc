#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace lathe::data {

// Byte offset of the first byte that is not part of well-formed UTF-8 (no overlongs, surrogates or
// code points above U+10FFFF), or nullopt when the whole text is valid.
std::optional<std::size_t> firstInvalidUtf8(std::string_view text);

}  // namespace lathe::data
