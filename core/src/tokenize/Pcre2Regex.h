#pragma once
// A regular expression from a tokenizer.json, compiled with PCRE2 (UTF + Unicode properties, JIT when
// available). Hugging Face compiles these patterns with Oniguruma; the few classes whose meaning differs
// between the two engines (\s, \w and their negations) are rewritten to Oniguruma's sets before compiling.

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace lathe::tokenize {

class Pcre2Regex {
public:
    // Returns null and fills `error` when PCRE2 rejects the pattern.
    static std::unique_ptr<Pcre2Regex> compile(std::string_view onigPattern, std::string& error);
    ~Pcre2Regex();
    Pcre2Regex(const Pcre2Regex&) = delete;
    Pcre2Regex& operator=(const Pcre2Regex&) = delete;

    // The first match at or after byte `start` of valid UTF-8 `subject` (`start` on a character
    // boundary). Safe to call from several threads at once. Throws std::runtime_error when PCRE2 gives
    // up (match or JIT stack limit), so no result is ever silently short.
    bool find(std::string_view subject, size_t start, size_t& begin, size_t& end) const;

    // Calls onMatch(begin, end) for every match, left to right; after an empty match the search
    // resumes one character later, as Oniguruma's iterator does.
    template <typename OnMatch>
    void forEachMatch(std::string_view subject, OnMatch&& onMatch) const
    {
        size_t start = 0, begin = 0, end = 0;
        while (start <= subject.size() && find(subject, start, begin, end)) {
            onMatch(begin, end);
            if (end > begin) {
                start = end;
                continue;
            }
            if (end >= subject.size()) return;
            start = end + 1;
            while (start < subject.size() && (static_cast<unsigned char>(subject[start]) & 0xC0) == 0x80) ++start;
        }
    }

    // Oniguruma → PCRE2 rewrite, exposed for tests.
    static std::string translate(std::string_view onigPattern);

private:
    struct Code;
    explicit Pcre2Regex(std::unique_ptr<Code> code);
    std::unique_ptr<Code> m_code;
};

}  // namespace lathe::tokenize
