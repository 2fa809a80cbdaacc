#include "HfNormalizer.h"

#include "TextPattern.h"
#include "Utf8.h"

#include <unicode/locid.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>

#include <stdexcept>
#include <vector>

namespace lathe::tokenize {

namespace {

class SequenceNormalizer final : public HfNormalizer {
public:
    explicit SequenceNormalizer(std::vector<std::unique_ptr<HfNormalizer>> steps) : m_steps(std::move(steps)) {}
    void normalize(std::string& text) const override
    {
        for (const auto& step : m_steps) step->normalize(text);
    }

private:
    std::vector<std::unique_ptr<HfNormalizer>> m_steps;
};

// Hugging Face prepends only to non-empty text, so an empty input stays empty.
class PrependNormalizer final : public HfNormalizer {
public:
    explicit PrependNormalizer(std::string prefix) : m_prefix(std::move(prefix)) {}
    void normalize(std::string& text) const override
    {
        if (!text.empty()) text.insert(0, m_prefix);
    }

private:
    std::string m_prefix;
};

class ReplaceNormalizer final : public HfNormalizer {
public:
    ReplaceNormalizer(TextPattern pattern, std::string content) : m_pattern(std::move(pattern)), m_content(std::move(content)) {}
    void normalize(std::string& text) const override { text = m_pattern.replaceAll(text, m_content); }

private:
    TextPattern m_pattern;
    std::string m_content;
};

class UnicodeNormalizer final : public HfNormalizer {
public:
    UnicodeNormalizer(const icu::Normalizer2* normalizer) : m_normalizer(normalizer) {}
    void normalize(std::string& text) const override
    {
        UErrorCode status = U_ZERO_ERROR;
        const icu::UnicodeString source = icu::UnicodeString::fromUTF8(text);
        if (m_normalizer->isNormalized(source, status) && U_SUCCESS(status)) return;
        status = U_ZERO_ERROR;
        const icu::UnicodeString normalized = m_normalizer->normalize(source, status);
        if (U_FAILURE(status)) throw std::runtime_error(std::string("Unicode normalization failed: ") + u_errorName(status));
        text.clear();
        normalized.toUTF8String(text);
    }

private:
    const icu::Normalizer2* m_normalizer;
};

// Rust's str::to_lowercase: full case mapping per character, plus the final-sigma rule ICU also applies.
class LowercaseNormalizer final : public HfNormalizer {
public:
    void normalize(std::string& text) const override
    {
        icu::UnicodeString s = icu::UnicodeString::fromUTF8(text);
        s.toLower(icu::Locale::getRoot());
        text.clear();
        s.toUTF8String(text);
    }
};

class StripNormalizer final : public HfNormalizer {
public:
    StripNormalizer(bool left, bool right) : m_left(left), m_right(right) {}
    void normalize(std::string& text) const override
    {
        size_t begin = 0, end = text.size();
        while (m_left && begin < end) {
            size_t after = begin;
            if (!utf8::isWhitespace(utf8::next(text, after))) break;
            begin = after;
        }
        if (m_right) {
            while (end > begin) {
                size_t at = end;
                if (!utf8::isWhitespace(utf8::previous(text, at))) break;
                end = at;
            }
        }
        text = text.substr(begin, end - begin);
    }

private:
    bool m_left, m_right;
};

const icu::Normalizer2* icuNormalizer(const std::string& type, const std::string& path)
{
    UErrorCode status = U_ZERO_ERROR;
    const icu::Normalizer2* n = type == "NFC"    ? icu::Normalizer2::getNFCInstance(status)
                                : type == "NFD"  ? icu::Normalizer2::getNFDInstance(status)
                                : type == "NFKC" ? icu::Normalizer2::getNFKCInstance(status)
                                                 : icu::Normalizer2::getNFKDInstance(status);
    if (U_FAILURE(status) || n == nullptr)
        throw SpecError(ErrorCode::Internal, path + ": ICU's " + type + " data is unavailable (" + u_errorName(status) + ")");
    return n;
}

}  // namespace

std::unique_ptr<HfNormalizer> HfNormalizer::fromJson(const Json& spec, const std::string& path)
{
    if (spec.is_null()) return nullptr;
    const std::string type = typeOf(spec, path);
    if (type == "Sequence") {
        const Json& list = requireArray(spec, "normalizers", path);
        std::vector<std::unique_ptr<HfNormalizer>> steps;
        for (size_t i = 0; i < list.size(); ++i) {
            auto step = fromJson(list[i], childPath(childPath(path, "normalizers"), i));
            if (step) steps.push_back(std::move(step));
        }
        return std::make_unique<SequenceNormalizer>(std::move(steps));
    }
    if (type == "Prepend") return std::make_unique<PrependNormalizer>(requireString(spec, "prepend", path));
    if (type == "Replace")
        return std::make_unique<ReplaceNormalizer>(TextPattern::fromJson(requireMember(spec, "pattern", path), childPath(path, "pattern")),
                                                   requireString(spec, "content", path));
    if (type == "NFC" || type == "NFD" || type == "NFKC" || type == "NFKD")
        return std::make_unique<UnicodeNormalizer>(icuNormalizer(type, path));
    if (type == "Lowercase") return std::make_unique<LowercaseNormalizer>();
    if (type == "Strip")
        return std::make_unique<StripNormalizer>(optionalBool(spec, "strip_left", true, path),
                                                 optionalBool(spec, "strip_right", true, path));
    failUnsupported(path, "normalizer \"" + type + "\"");
}

}  // namespace lathe::tokenize
