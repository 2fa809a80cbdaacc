#include "HfPreTokenizer.h"

#include "ByteLevelAlphabet.h"
#include "TextPattern.h"
#include "Utf8.h"

#include <algorithm>
#include <utility>

namespace lathe::tokenize {

namespace {

enum class SplitBehavior { Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous };

struct Span {
    size_t begin;
    size_t end;
    bool flag;  // is a match (before the behavior is applied), to remove (after)
};

// Pre-tokenizers that match patterns need the characters, not raw bytes that stand for them.
void materialize(PreToken& piece, TextArena& arena)
{
    if (!piece.rawBytes) return;
    piece.text = arena.keep(ByteLevelAlphabet::instance().encode(piece.text));
    piece.rawBytes = false;
}

// Hugging Face's NormalizedString::split: the text cut into matches and gaps, then joined or dropped
// according to the behavior. Ported rule for rule, so the pieces are the same.
void splitPiece(const PreToken& piece, const TextPattern& pattern, SplitBehavior behavior, bool invert,
                std::vector<PreToken>& out, std::vector<Span>& spans, std::vector<Span>& joined)
{
    const std::string_view text = piece.text;
    spans.clear();
    size_t previous = 0;
    pattern.forEachMatch(text, [&](size_t begin, size_t end) {
        if (previous != begin) spans.push_back({previous, begin, false});
        spans.push_back({begin, end, true});
        previous = end;
    });
    if (previous != text.size()) spans.push_back({previous, text.size(), false});
    if (invert)
        for (Span& span : spans) span.flag = !span.flag;

    joined.clear();
    bool previousMatch = false;
    switch (behavior) {
    case SplitBehavior::Isolated:
        for (const Span& span : spans) joined.push_back({span.begin, span.end, false});
        break;
    case SplitBehavior::Removed:
        joined = spans;
        break;
    case SplitBehavior::Contiguous:
        for (const Span& span : spans) {
            if (span.flag == previousMatch && !joined.empty()) joined.back().end = span.end;
            else joined.push_back({span.begin, span.end, false});
            previousMatch = span.flag;
        }
        break;
    case SplitBehavior::MergedWithPrevious:
        for (const Span& span : spans) {
            if (span.flag && !previousMatch && !joined.empty()) joined.back().end = span.end;
            else joined.push_back({span.begin, span.end, false});
            previousMatch = span.flag;
        }
        break;
    case SplitBehavior::MergedWithNext:
        for (auto it = spans.rbegin(); it != spans.rend(); ++it) {
            if (it->flag && !previousMatch && !joined.empty()) joined.back().begin = it->begin;
            else joined.push_back({it->begin, it->end, false});
            previousMatch = it->flag;
        }
        std::reverse(joined.begin(), joined.end());
        break;
    }
    for (const Span& span : joined) {
        if (span.flag || span.end == span.begin) continue;
        out.push_back({text.substr(span.begin, span.end - span.begin), piece.rawBytes, piece.atStart && span.begin == 0});
    }
}

// The pattern-splitting pre-tokenizers share this shape.
class PatternSplitter {
public:
    PatternSplitter(TextPattern pattern, SplitBehavior behavior, bool invert)
        : m_pattern(std::move(pattern)), m_behavior(behavior), m_invert(invert) {}

    void apply(std::vector<PreToken>& pieces, TextArena& arena) const
    {
        std::vector<PreToken> out;
        out.reserve(pieces.size() * 4);
        std::vector<Span> spans, joined;
        for (PreToken& piece : pieces) {
            materialize(piece, arena);
            splitPiece(piece, m_pattern, m_behavior, m_invert, out, spans, joined);
        }
        pieces.swap(out);
    }

private:
    TextPattern m_pattern;
    SplitBehavior m_behavior;
    bool m_invert;
};

class SplitPreTokenizer final : public HfPreTokenizer {
public:
    explicit SplitPreTokenizer(PatternSplitter splitter) : m_splitter(std::move(splitter)) {}
    void apply(std::vector<PreToken>& pieces, TextArena& arena) const override { m_splitter.apply(pieces, arena); }

private:
    PatternSplitter m_splitter;
};

class SequencePreTokenizer final : public HfPreTokenizer {
public:
    explicit SequencePreTokenizer(std::vector<std::unique_ptr<HfPreTokenizer>> steps) : m_steps(std::move(steps)) {}
    void apply(std::vector<PreToken>& pieces, TextArena& arena) const override
    {
        for (const auto& step : m_steps) step->apply(pieces, arena);
    }

private:
    std::vector<std::unique_ptr<HfPreTokenizer>> m_steps;
};

// GPT-2's pattern, which ByteLevel uses when use_regex is set.
constexpr const char* kGpt2Pattern = R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

class ByteLevelPreTokenizer final : public HfPreTokenizer {
public:
    ByteLevelPreTokenizer(bool addPrefixSpace, bool useRegex, const std::string& path) : m_addPrefixSpace(addPrefixSpace)
    {
        if (useRegex)
            m_splitter = std::make_unique<PatternSplitter>(TextPattern::regex(kGpt2Pattern, path), SplitBehavior::Isolated, false);
    }

    void apply(std::vector<PreToken>& pieces, TextArena& arena) const override
    {
        for (PreToken& piece : pieces) {
            if (!m_addPrefixSpace) continue;
            materialize(piece, arena);
            if (piece.text.empty() || piece.text.front() != ' ') piece.text = arena.keep(" " + std::string(piece.text));
        }
        if (m_splitter) m_splitter->apply(pieces, arena);
        for (PreToken& piece : pieces) piece.rawBytes = true;
    }

private:
    bool m_addPrefixSpace;
    std::unique_ptr<PatternSplitter> m_splitter;
};

enum class PrependScheme { Always, First, Never };

class MetaspacePreTokenizer final : public HfPreTokenizer {
public:
    MetaspacePreTokenizer(std::string replacement, PrependScheme scheme, bool split)
        : m_replacement(std::move(replacement)), m_scheme(scheme)
    {
        if (split)
            m_splitter = std::make_unique<PatternSplitter>(TextPattern::literal(m_replacement), SplitBehavior::MergedWithNext, false);
    }

    void apply(std::vector<PreToken>& pieces, TextArena& arena) const override
    {
        const TextPattern space = TextPattern::literal(" ");
        for (PreToken& piece : pieces) {
            materialize(piece, arena);
            std::string text = space.replaceAll(piece.text, m_replacement);
            const bool startsWithReplacement = text.compare(0, m_replacement.size(), m_replacement) == 0;
            const bool prepend = !startsWithReplacement &&
                                 (m_scheme == PrependScheme::Always || (m_scheme == PrependScheme::First && piece.atStart));
            if (prepend) text.insert(0, m_replacement);
            piece.text = arena.keep(std::move(text));
        }
        if (m_splitter) m_splitter->apply(pieces, arena);
    }

private:
    std::string m_replacement;
    PrependScheme m_scheme;
    std::unique_ptr<PatternSplitter> m_splitter;
};

SplitBehavior behaviorOf(const Json& spec, const std::string& path)
{
    const std::string name = requireString(spec, "behavior", path);
    if (name == "Removed") return SplitBehavior::Removed;
    if (name == "Isolated") return SplitBehavior::Isolated;
    if (name == "MergedWithPrevious") return SplitBehavior::MergedWithPrevious;
    if (name == "MergedWithNext") return SplitBehavior::MergedWithNext;
    if (name == "Contiguous") return SplitBehavior::Contiguous;
    failUnsupported(childPath(path, "behavior"), "split behavior \"" + name + "\"");
}

PrependScheme prependSchemeOf(const Json& spec, const std::string& path)
{
    const auto it = spec.find("prepend_scheme");
    if (it != spec.end() && !it->is_null()) {
        if (!it->is_string()) failCorrupt(childPath(path, "prepend_scheme"), "expected a string");
        const std::string name = it->get<std::string>();
        if (name == "always") return PrependScheme::Always;
        if (name == "first") return PrependScheme::First;
        if (name == "never") return PrependScheme::Never;
        failUnsupported(childPath(path, "prepend_scheme"), "prepend scheme \"" + name + "\"");
    }
    // Files written before prepend_scheme existed say add_prefix_space instead.
    return optionalBool(spec, "add_prefix_space", true, path) ? PrependScheme::Always : PrependScheme::Never;
}

}  // namespace

std::unique_ptr<HfPreTokenizer> HfPreTokenizer::fromJson(const Json& spec, const std::string& path)
{
    if (spec.is_null()) return nullptr;
    const std::string type = typeOf(spec, path);
    if (type == "Sequence") {
        const Json& list = requireArray(spec, "pretokenizers", path);
        std::vector<std::unique_ptr<HfPreTokenizer>> steps;
        for (size_t i = 0; i < list.size(); ++i) {
            auto step = fromJson(list[i], childPath(childPath(path, "pretokenizers"), i));
            if (step) steps.push_back(std::move(step));
        }
        return std::make_unique<SequencePreTokenizer>(std::move(steps));
    }
    if (type == "Split") {
        TextPattern pattern = TextPattern::fromJson(requireMember(spec, "pattern", path), childPath(path, "pattern"));
        return std::make_unique<SplitPreTokenizer>(
            PatternSplitter(std::move(pattern), behaviorOf(spec, path), optionalBool(spec, "invert", false, path)));
    }
    if (type == "ByteLevel")
        return std::make_unique<ByteLevelPreTokenizer>(optionalBool(spec, "add_prefix_space", true, path),
                                                       optionalBool(spec, "use_regex", true, path), path);
    if (type == "Metaspace") {
        const std::string replacement = requireString(spec, "replacement", path);
        size_t pos = 0;
        if (replacement.empty() || utf8::firstInvalid(replacement) != std::string::npos ||
            (utf8::next(replacement, pos), pos != replacement.size()))
            failCorrupt(childPath(path, "replacement"), "expected a single character");
        return std::make_unique<MetaspacePreTokenizer>(replacement, prependSchemeOf(spec, path),
                                                       optionalBool(spec, "split", true, path));
    }
    if (type == "Digits") {
        const bool individual = optionalBool(spec, "individual_digits", false, path);
        return std::make_unique<SplitPreTokenizer>(
            PatternSplitter(TextPattern::regex(individual ? R"(\p{N})" : R"(\p{N}+)", path), SplitBehavior::Isolated, false));
    }
    if (type == "Whitespace")
        return std::make_unique<SplitPreTokenizer>(
            PatternSplitter(TextPattern::regex(R"(\w+|[^\w\s]+)", path), SplitBehavior::Removed, true));
    if (type == "WhitespaceSplit")
        return std::make_unique<SplitPreTokenizer>(PatternSplitter(TextPattern::regex(R"(\s)", path), SplitBehavior::Removed, false));
    failUnsupported(path, "pre-tokenizer \"" + type + "\"");
}

}  // namespace lathe::tokenize
