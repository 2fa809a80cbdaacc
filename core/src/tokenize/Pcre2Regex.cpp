#include "Pcre2Regex.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <stdexcept>

namespace lathe::tokenize {

namespace {

// Oniguruma's \s in UTF-8 mode is Unicode White_Space; PCRE2's (with UCP) leaves out U+0085.
constexpr std::string_view kSpaceSet =
    R"(\t\n\x{0B}\f\r \x{85}\x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000})";
// Oniguruma's \w: letters, marks, decimal digits and connector punctuation; PCRE2's is \p{L}\p{N}_.
constexpr std::string_view kWordSet = R"(\p{L}\p{M}\p{Nd}\p{Pc})";

// Per-thread match state, so one compiled pattern serves every thread without locking.
struct MatchScratch {
    pcre2_match_data* data = nullptr;
    pcre2_match_context* context = nullptr;
    pcre2_jit_stack* jitStack = nullptr;

    MatchScratch()
    {
        data = pcre2_match_data_create(1, nullptr);
        context = pcre2_match_context_create(nullptr);
        // Long whitespace runs recurse deeply in \s+(?!\S); the default 32 KiB JIT stack is too small.
        jitStack = pcre2_jit_stack_create(32 * 1024, 8 * 1024 * 1024, nullptr);
        if (context != nullptr && jitStack != nullptr) pcre2_jit_stack_assign(context, nullptr, jitStack);
    }
    ~MatchScratch()
    {
        pcre2_jit_stack_free(jitStack);
        pcre2_match_context_free(context);
        pcre2_match_data_free(data);
    }
    MatchScratch(const MatchScratch&) = delete;
    MatchScratch& operator=(const MatchScratch&) = delete;
};

MatchScratch& scratch()
{
    thread_local MatchScratch instance;
    if (instance.data == nullptr || instance.context == nullptr) throw std::bad_alloc();
    return instance;
}

}  // namespace

struct Pcre2Regex::Code {
    pcre2_code* code = nullptr;
    ~Code() { pcre2_code_free(code); }
};

Pcre2Regex::Pcre2Regex(std::unique_ptr<Code> code) : m_code(std::move(code)) {}
Pcre2Regex::~Pcre2Regex() = default;

std::string Pcre2Regex::translate(std::string_view pattern)
{
    std::string out;
    out.reserve(pattern.size() + 64);
    bool inClass = false;
    for (size_t i = 0; i < pattern.size(); ++i) {
        const char c = pattern[i];
        if (c == '\\' && i + 1 < pattern.size()) {
            const char e = pattern[i + 1];
            const std::string_view set = (e == 's' || e == 'S') ? kSpaceSet : (e == 'w' || e == 'W') ? kWordSet : "";
            const bool negated = e == 'S' || e == 'W';
            if (!set.empty() && !(inClass && negated)) {
                if (inClass) {
                    out += set;
                } else {
                    out += negated ? "[^" : "[";
                    out += set;
                    out += ']';
                }
            } else {
                out += c;
                out += e;
            }
            ++i;
            continue;
        }
        if (!inClass && c == '[') {
            inClass = true;
            out += c;
            // A ']' right after '[' or '[^' is a literal member, not the end of the class.
            if (i + 1 < pattern.size() && pattern[i + 1] == '^') out += pattern[++i];
            if (i + 1 < pattern.size() && pattern[i + 1] == ']') out += pattern[++i];
            continue;
        }
        if (inClass && c == '[' && i + 1 < pattern.size() && pattern[i + 1] == ':') {
            const size_t close = pattern.find(":]", i + 2);
            if (close != std::string_view::npos) {
                out += pattern.substr(i, close + 2 - i);
                i = close + 1;
                continue;
            }
        }
        if (inClass && c == ']') inClass = false;
        out += c;
    }
    return out;
}

std::unique_ptr<Pcre2Regex> Pcre2Regex::compile(std::string_view onigPattern, std::string& error)
{
    const std::string pattern = translate(onigPattern);
    int errorCode = 0;
    PCRE2_SIZE errorOffset = 0;
    auto code = std::make_unique<Code>();
    code->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(), PCRE2_UTF | PCRE2_UCP,
                               &errorCode, &errorOffset, nullptr);
    if (code->code == nullptr) {
        PCRE2_UCHAR buffer[256];
        pcre2_get_error_message(errorCode, buffer, sizeof buffer);
        error = std::string(reinterpret_cast<const char*>(buffer)) + " at offset " + std::to_string(errorOffset);
        return nullptr;
    }
    // Without JIT (an unsupported CPU) pcre2_match interprets the pattern: slower, same result.
    pcre2_jit_compile(code->code, PCRE2_JIT_COMPLETE);
    return std::unique_ptr<Pcre2Regex>(new Pcre2Regex(std::move(code)));
}

bool Pcre2Regex::find(std::string_view subject, size_t start, size_t& begin, size_t& end) const
{
    MatchScratch& s = scratch();
    const int rc = pcre2_match(m_code->code, reinterpret_cast<PCRE2_SPTR>(subject.data()), subject.size(), start,
                               PCRE2_NO_UTF_CHECK, s.data, s.context);
    if (rc == PCRE2_ERROR_NOMATCH) return false;
    if (rc < 0) {
        PCRE2_UCHAR buffer[256];
        pcre2_get_error_message(rc, buffer, sizeof buffer);
        throw std::runtime_error("regular expression matching failed: " +
                                 std::string(reinterpret_cast<const char*>(buffer)));
    }
    const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(s.data);
    begin = ovector[0];
    end = ovector[1];
    return true;
}

}  // namespace lathe::tokenize
