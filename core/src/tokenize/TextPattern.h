#pragma once
// The "pattern" of Split / Replace components: {"String": "..."} (a literal) or {"Regex": "..."}.

#include "Pcre2Regex.h"
#include "TokenizerJsonSpec.h"

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lathe::tokenize {

class TextPattern {
public:
    // Throws SpecError for a pattern that is neither form or does not compile.
    static TextPattern fromJson(const Json& pattern, const std::string& path);
    static TextPattern literal(std::string text);
    // Throws SpecError (Unsupported, naming `path`) when the pattern does not compile.
    static TextPattern regex(const std::string& onigPattern, const std::string& path);

    // Non-overlapping matches, left to right, as (begin, end) byte offsets; empty matches included
    // (only a regex can produce them).
    template <typename OnMatch>
    void forEachMatch(std::string_view text, OnMatch&& onMatch) const
    {
        if (m_regex) {
            m_regex->forEachMatch(text, onMatch);
            return;
        }
        if (m_literal.empty()) return;
        for (size_t pos = text.find(m_literal); pos != std::string_view::npos; pos = text.find(m_literal, pos + m_literal.size()))
            onMatch(pos, pos + m_literal.size());
    }

    // Every match replaced by `content`.
    std::string replaceAll(std::string_view text, std::string_view content) const;

private:
    std::string m_literal;
    std::shared_ptr<const Pcre2Regex> m_regex;
};

}  // namespace lathe::tokenize
