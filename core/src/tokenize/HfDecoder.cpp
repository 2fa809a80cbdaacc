#include "HfDecoder.h"

#include "ByteLevelAlphabet.h"
#include "TextPattern.h"
#include "Utf8.h"

namespace lathe::tokenize {

namespace {

class SequenceDecoder final : public HfDecoder {
public:
    explicit SequenceDecoder(std::vector<std::unique_ptr<HfDecoder>> steps) : m_steps(std::move(steps)) {}
    void decodeChain(std::vector<std::string>& tokens) const override
    {
        for (const auto& step : m_steps) step->decodeChain(tokens);
    }

private:
    std::vector<std::unique_ptr<HfDecoder>> m_steps;
};

// All tokens' byte-level characters back to bytes, joined into one string; invalid UTF-8 becomes
// U+FFFD. A token with characters outside the alphabet (an added token such as "<|eot_id|>" is inside
// it, but one with a space is not) contributes its own bytes.
class ByteLevelDecoder final : public HfDecoder {
public:
    void decodeChain(std::vector<std::string>& tokens) const override
    {
        const ByteLevelAlphabet& alphabet = ByteLevelAlphabet::instance();
        std::string bytes, raw;
        for (const std::string& token : tokens) bytes += alphabet.decode(token, raw) ? raw : token;
        tokens.assign(1, utf8::lossy(bytes));
    }
};

class MetaspaceDecoder final : public HfDecoder {
public:
    MetaspaceDecoder(std::string replacement, bool stripFirst) : m_replacement(std::move(replacement)), m_stripFirst(stripFirst) {}
    void decodeChain(std::vector<std::string>& tokens) const override
    {
        // Hugging Face drops every replacement character of the first token, not just a leading one.
        const TextPattern pattern = TextPattern::literal(m_replacement);
        for (size_t i = 0; i < tokens.size(); ++i)
            tokens[i] = pattern.replaceAll(tokens[i], i == 0 && m_stripFirst ? "" : " ");
    }

private:
    std::string m_replacement;
    bool m_stripFirst;
};

class ReplaceDecoder final : public HfDecoder {
public:
    ReplaceDecoder(TextPattern pattern, std::string content) : m_pattern(std::move(pattern)), m_content(std::move(content)) {}
    void decodeChain(std::vector<std::string>& tokens) const override
    {
        for (std::string& token : tokens) token = m_pattern.replaceAll(token, m_content);
    }

private:
    TextPattern m_pattern;
    std::string m_content;
};

// Runs of "<0xNN>" tokens become the bytes they name; a run that is not valid UTF-8 becomes one U+FFFD
// per byte, as Hugging Face writes it.
class ByteFallbackDecoder final : public HfDecoder {
public:
    void decodeChain(std::vector<std::string>& tokens) const override
    {
        std::vector<std::string> out;
        out.reserve(tokens.size());
        std::string bytes;
        auto flush = [&] {
            if (bytes.empty()) return;
            if (utf8::firstInvalid(bytes) == std::string::npos) {
                out.push_back(bytes);
            } else {
                for (size_t i = 0; i < bytes.size(); ++i) out.emplace_back("\xEF\xBF\xBD");
            }
            bytes.clear();
        };
        for (std::string& token : tokens) {
            int byte = -1;
            if (token.size() == 6 && token.compare(0, 3, "<0x") == 0 && token[5] == '>') byte = hexByte(token[3], token[4]);
            if (byte >= 0) {
                bytes += static_cast<char>(byte);
                continue;
            }
            flush();
            out.push_back(std::move(token));
        }
        flush();
        tokens.swap(out);
    }

private:
    static int hexDigit(char c)
    {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        return -1;
    }
    static int hexByte(char high, char low)
    {
        const int h = hexDigit(high), l = hexDigit(low);
        return h < 0 || l < 0 ? -1 : h * 16 + l;
    }
};

class FuseDecoder final : public HfDecoder {
public:
    void decodeChain(std::vector<std::string>& tokens) const override
    {
        std::string joined;
        for (const std::string& token : tokens) joined += token;
        tokens.assign(1, std::move(joined));
    }
};

// Removes up to `start` leading and `stop` trailing copies of one character from each token.
class StripDecoder final : public HfDecoder {
public:
    StripDecoder(char32_t content, size_t start, size_t stop) : m_content(content), m_start(start), m_stop(stop) {}
    void decodeChain(std::vector<std::string>& tokens) const override
    {
        for (std::string& token : tokens) {
            size_t begin = 0, end = token.size();
            for (size_t i = 0; i < m_start && begin < end; ++i) {
                size_t after = begin;
                if (utf8::next(token, after) != m_content) break;
                begin = after;
            }
            for (size_t i = 0; i < m_stop && end > begin; ++i) {
                size_t before = end;
                if (utf8::previous(token, before) != m_content) break;
                end = before;
            }
            token = token.substr(begin, end - begin);
        }
    }

private:
    char32_t m_content;
    size_t m_start, m_stop;
};

char32_t singleCharacter(const std::string& text, const std::string& path)
{
    size_t pos = 0;
    if (text.empty() || utf8::firstInvalid(text) != std::string::npos) failCorrupt(path, "expected a single character");
    const char32_t c = utf8::next(text, pos);
    if (pos != text.size()) failCorrupt(path, "expected a single character");
    return c;
}

size_t count(const Json& spec, const char* key, const std::string& path)
{
    const auto it = spec.find(key);
    if (it == spec.end() || it->is_null()) return 0;
    if (!it->is_number_unsigned() && !(it->is_number_integer() && it->get<int64_t>() >= 0))
        failCorrupt(childPath(path, key), "expected a count");
    return it->get<size_t>();
}

}  // namespace

std::unique_ptr<HfDecoder> HfDecoder::fromJson(const Json& spec, const std::string& path)
{
    if (spec.is_null()) return nullptr;
    const std::string type = typeOf(spec, path);
    if (type == "Sequence") {
        const Json& list = requireArray(spec, "decoders", path);
        std::vector<std::unique_ptr<HfDecoder>> steps;
        for (size_t i = 0; i < list.size(); ++i) {
            auto step = fromJson(list[i], childPath(childPath(path, "decoders"), i));
            if (step) steps.push_back(std::move(step));
        }
        return std::make_unique<SequenceDecoder>(std::move(steps));
    }
    if (type == "ByteLevel") return std::make_unique<ByteLevelDecoder>();
    if (type == "Metaspace") {
        const std::string replacement = requireString(spec, "replacement", path);
        singleCharacter(replacement, childPath(path, "replacement"));
        bool stripFirst = optionalBool(spec, "add_prefix_space", true, path);
        const auto scheme = spec.find("prepend_scheme");
        if (scheme != spec.end() && scheme->is_string()) stripFirst = scheme->get<std::string>() != "never";
        return std::make_unique<MetaspaceDecoder>(replacement, stripFirst);
    }
    if (type == "Replace")
        return std::make_unique<ReplaceDecoder>(TextPattern::fromJson(requireMember(spec, "pattern", path), childPath(path, "pattern")),
                                                requireString(spec, "content", path));
    if (type == "ByteFallback") return std::make_unique<ByteFallbackDecoder>();
    if (type == "Fuse") return std::make_unique<FuseDecoder>();
    if (type == "Strip")
        return std::make_unique<StripDecoder>(singleCharacter(requireString(spec, "content", path), childPath(path, "content")),
                                              count(spec, "start", path), count(spec, "stop", path));
    failUnsupported(path, "decoder \"" + type + "\"");
}

}  // namespace lathe::tokenize
