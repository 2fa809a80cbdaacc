#include "tokenize/jinja/JinjaLexer.h"

#include "tokenize/Utf8.h"
#include "tokenize/jinja/JinjaText.h"
#include "tokenize/jinja/JinjaValue.h"

#include <algorithm>
#include <array>
#include <cstdint>

namespace lathe::tokenize::jinja {

namespace {

// Text after the whitespace passes, with the source offset of every byte, so that tokens keep their place in the
// text the user wrote.
struct Mapped {
    std::string text;
    std::vector<uint32_t> origin;

    void push(char c, uint32_t from)
    {
        text += c;
        origin.push_back(from);
    }
    void copy(const Mapped& src, size_t begin, size_t end)
    {
        for (size_t i = begin; i < end; ++i) push(src.text[i], src.origin[i]);
    }
};

bool isLineStart(const std::string& s, size_t i)
{
    if (i == 0) return true;
    const char p = s[i - 1];
    if (p == '\n' || p == '\r') return true;
    // U+2028 and U+2029 also end lines for JavaScript's multiline ^.
    return i >= 3 && s.compare(i - 3, 2, "\xE2\x80") == 0 && (s[i - 1] == '\xA8' || s[i - 1] == '\xA9');
}

Mapped lstripBlocks(const Mapped& in)
{
    Mapped out;
    const std::string& s = in.text;
    size_t i = 0;
    while (i < s.size()) {
        if (isLineStart(s, i)) {
            size_t j = i;
            while (j < s.size() && (s[j] == ' ' || s[j] == '\t')) ++j;
            if (j > i && j + 1 < s.size() && s[j] == '{' && (s[j + 1] == '#' || s[j + 1] == '%' || s[j + 1] == '-'))
                i = j;
        }
        out.push(s[i], in.origin[i]);
        ++i;
    }
    return out;
}

Mapped trimBlocks(const Mapped& in)
{
    Mapped out;
    const std::string& s = in.text;
    for (size_t i = 0; i < s.size(); ++i) {
        out.push(s[i], in.origin[i]);
        if ((s[i] == '#' || s[i] == '%' || s[i] == '-') && i + 2 < s.size() && s[i + 1] == '}' && s[i + 2] == '\n') {
            out.push(s[i + 1], in.origin[i + 1]);
            i += 2;
        }
    }
    return out;
}

size_t skipSpaces(const std::string& s, size_t pos)
{
    while (pos < s.size()) {
        size_t p = pos;
        if (!text::isSpace(text::next(s, p))) break;
        pos = p;
    }
    return pos;
}

// transformers' {% generation %} marks the assistant's part for masks; rendering ignores it. The tags are removed
// before lexing, honouring their '-' markers.
Mapped removeGenerationTags(const Mapped& in)
{
    const std::string& s = in.text;
    Mapped out;
    size_t last = 0;
    size_t at = 0;
    while ((at = s.find("{%", at)) != std::string::npos) {
        size_t p = at + 2;
        const bool lstrip = p < s.size() && s[p] == '-';
        if (lstrip) ++p;
        p = skipSpaces(s, p);
        if (s.compare(p, 3, "end") == 0 && s.compare(p + 3, 10, "generation") == 0) p += 3;
        if (s.compare(p, 10, "generation") != 0) {
            at += 2;
            continue;
        }
        p = skipSpaces(s, p + 10);
        const bool rstrip = p < s.size() && s[p] == '-';
        if (rstrip) ++p;
        if (s.compare(p, 2, "%}") != 0) {
            at += 2;
            continue;
        }
        p += 2;
        const size_t afterEnd = skipSpaces(s, p);
        size_t keepEnd = at;
        while (lstrip && keepEnd > last) {
            size_t start = keepEnd - 1;
            while (start > last && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) --start;
            size_t q = start;
            if (!text::isSpace(text::next(s, q)) || q != keepEnd) break;
            keepEnd = start;
        }
        out.copy(in, last, keepEnd);
        if (!rstrip) out.copy(in, p, afterEnd);
        last = at = afterEnd;
    }
    out.copy(in, last, s.size());
    return out;
}

bool isWord(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}
bool isDigit(char c)
{
    return c >= '0' && c <= '9';
}

struct Rule {
    const char* text;
    TokenType type;
};

// Longer operators come first where they share a first character.
constexpr std::array<Rule, 29> kRules{{
    {"{%", TokenType::OpenStatement},  {"%}", TokenType::CloseStatement},
    {"{{", TokenType::OpenExpression}, {"}}", TokenType::CloseExpression},
    {"(", TokenType::OpenParen},       {")", TokenType::CloseParen},
    {"{", TokenType::OpenBrace},       {"}", TokenType::CloseBrace},
    {"[", TokenType::OpenBracket},     {"]", TokenType::CloseBracket},
    {",", TokenType::Comma},           {".", TokenType::Dot},
    {":", TokenType::Colon},           {"|", TokenType::Pipe},
    {"<=", TokenType::Comparison},     {">=", TokenType::Comparison},
    {"==", TokenType::Comparison},     {"!=", TokenType::Comparison},
    {"<", TokenType::Comparison},      {">", TokenType::Comparison},
    {"+", TokenType::Additive},        {"-", TokenType::Additive},
    {"~", TokenType::Additive},        {"**", TokenType::Power},
    {"*", TokenType::Multiplicative},  {"//", TokenType::Multiplicative},
    {"/", TokenType::Multiplicative},  {"%", TokenType::Multiplicative},
    {"=", TokenType::Equals},
}};

class Lexer {
public:
    Lexer(std::string_view source, Mapped src) : m_source(source), m_src(std::move(src))
    {
        m_lineStarts.push_back(0);
        for (size_t i = 0; i < source.size(); ++i)
            if (source[i] == '\n') m_lineStarts.push_back(i + 1);
    }

    std::vector<Token> run();

private:
    SourcePos posAt(size_t cursor) const
    {
        const size_t offset = cursor < m_src.origin.size() ? m_src.origin[cursor] : m_source.size();
        const auto it = std::upper_bound(m_lineStarts.begin(), m_lineStarts.end(), offset) - 1;
        int column = 1;
        for (size_t i = *it; i < offset; ++i)
            if ((static_cast<unsigned char>(m_source[i]) & 0xC0) != 0x80) ++column;
        return {static_cast<int>(it - m_lineStarts.begin()) + 1, column};
    }

    [[noreturn]] void error(const std::string& message, size_t cursor) const
    {
        const SourcePos pos = posAt(cursor);
        throw JinjaError{ErrorCode::Corrupt, message, pos.line, pos.column};
    }

    void push(TokenType type, std::string value, size_t start)
    {
        m_tokens.push_back({type, std::move(value), posAt(start)});
    }
    TokenType lastType() const { return m_tokens.empty() ? TokenType::End : m_tokens.back().type; }
    char at(size_t i) const { return i < m_src.text.size() ? m_src.text[i] : '\0'; }

    template <typename Pred>
    std::string consumeWhile(Pred pred)
    {
        const size_t start = m_cursor;
        while (m_cursor < m_src.text.size() && pred(m_src.text[m_cursor])) {
            if (++m_cursor >= m_src.text.size()) error("unexpected end of template", m_cursor);
        }
        return m_src.text.substr(start, m_cursor - start);
    }

    void skipWhitespaceInside()
    {
        const size_t after = skipSpaces(m_src.text, m_cursor);
        if (after > m_cursor && after >= m_src.text.size()) error("unexpected end of template", after);
        m_cursor = after;
    }

    void stripTrailingWhitespace()
    {
        if (!m_tokens.empty() && m_tokens.back().type == TokenType::Text) {
            m_tokens.back().value = std::string(text::trim(m_tokens.back().value, false, true));
            if (m_tokens.back().value.empty()) m_tokens.pop_back();
        }
    }

    std::string consumeString(char quote);
    void afterCloseStatement();

    std::string_view m_source;
    Mapped m_src;
    std::vector<size_t> m_lineStarts;
    std::vector<Token> m_tokens;
    size_t m_cursor = 0;
    int m_braceDepth = 0;
};

std::string Lexer::consumeString(char quote)
{
    std::string out;
    const std::string& s = m_src.text;
    while (true) {
        if (m_cursor >= s.size()) error("unterminated string literal", m_cursor);
        const char c = s[m_cursor];
        if (c == quote) break;
        ++m_cursor;
        if (c != '\\') {
            out += c;
            continue;
        }
        if (m_cursor >= s.size()) error("unterminated string literal", m_cursor);
        const char e = s[m_cursor++];
        switch (e) {
            case 'n':
                out += '\n';
                break;
            case 't':
                out += '\t';
                break;
            case 'r':
                out += '\r';
                break;
            case 'b':
                out += '\b';
                break;
            case 'f':
                out += '\f';
                break;
            case 'v':
                out += '\v';
                break;
            case '\'':
                out += '\'';
                break;
            case '"':
                out += '"';
                break;
            case '\\':
                out += '\\';
                break;
            case 'x':
            case 'u': {
                const size_t n = e == 'x' ? 2 : 4;
                const std::string hex = s.substr(m_cursor, n);
                if (hex.size() != n || hex.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos)
                    error("invalid hexadecimal escape sequence \\" + std::string(1, e) + hex, m_cursor - 2);
                utf8::append(out, static_cast<char32_t>(std::stoul(hex, nullptr, 16)));
                m_cursor += n;
                break;
            }
            default:
                error(std::string("unknown escape sequence \\") + e, m_cursor - 2);
        }
    }
    return out;
}

// {% raw %} is recognised here, so that its body is never lexed as template syntax.
void Lexer::afterCloseStatement()
{
    const size_t n = m_tokens.size();
    if (n < 3 || m_tokens[n - 3].type != TokenType::OpenStatement || m_tokens[n - 2].type != TokenType::Identifier ||
        m_tokens[n - 2].value != "raw")
        return;
    const SourcePos rawPos = m_tokens[n - 3].pos;
    m_tokens.resize(n - 3);
    const std::string& s = m_src.text;
    for (size_t at = s.find("{%", m_cursor); at != std::string::npos; at = s.find("{%", at + 2)) {
        size_t p = at + 2;
        const bool stripBefore = at + 2 < s.size() && s[p] == '-';
        if (stripBefore) ++p;
        p = skipSpaces(s, p);
        if (s.compare(p, 6, "endraw") != 0) continue;
        p = skipSpaces(s, p + 6);
        const bool stripAfter = p < s.size() && s[p] == '-';
        if (stripAfter) ++p;
        if (s.compare(p, 2, "%}") != 0) continue;
        std::string body = s.substr(m_cursor, at - m_cursor);
        if (stripBefore) body = std::string(text::trim(body, false, true));
        m_tokens.push_back({TokenType::RawText, std::move(body), rawPos});
        m_cursor = p + 2;
        if (stripAfter) m_cursor = skipSpaces(s, m_cursor);
        return;
    }
    throw JinjaError{ErrorCode::Corrupt, "missing {% endraw %} for this {% raw %}", rawPos.line, rawPos.column};
}

std::vector<Token> Lexer::run()
{
    const std::string& s = m_src.text;
    const size_t length = s.size();
    while (m_cursor < length) {
        const TokenType last = lastType();
        if (last == TokenType::End || last == TokenType::CloseStatement || last == TokenType::CloseExpression ||
            last == TokenType::Comment || last == TokenType::RawText) {
            size_t end = m_cursor;
            while (true) {
                end = s.find('{', end);
                if (end == std::string::npos) {
                    end = length;
                    break;
                }
                const char next = at(end + 1);
                if (next == '%' || next == '{' || next == '#') break;
                ++end;
            }
            if (end > m_cursor) {
                push(TokenType::Text, s.substr(m_cursor, end - m_cursor), m_cursor);
                m_cursor = end;
                continue;
            }
        }

        if (s[m_cursor] == '{') {
            const char next = at(m_cursor + 1);
            if (next == '#') {
                const size_t start = m_cursor;
                m_cursor += 2;
                const bool stripBefore = at(m_cursor) == '-';
                if (stripBefore) ++m_cursor;
                const size_t end = s.find("#}", m_cursor);
                if (end == std::string::npos) error("comment is not closed with #}", start);
                std::string comment = s.substr(m_cursor, end - m_cursor);
                const bool stripAfter = !comment.empty() && comment.back() == '-';
                if (stripAfter) comment.pop_back();
                if (stripBefore) stripTrailingWhitespace();
                push(TokenType::Comment, std::move(comment), start);
                m_cursor = end + 2;
                if (stripAfter) m_cursor = skipSpaces(s, m_cursor);
                continue;
            }
            if (at(m_cursor + 2) == '-' && (next == '%' || next == '{')) {
                stripTrailingWhitespace();
                push(next == '%' ? TokenType::OpenStatement : TokenType::OpenExpression, next == '%' ? "{%" : "{{",
                     m_cursor);
                if (next == '{') m_braceDepth = 0;
                m_cursor += 3;
                continue;
            }
        }

        skipWhitespaceInside();
        const char c = s[m_cursor];
        const size_t start = m_cursor;

        if (c == '-' && at(m_cursor + 2) == '}' && (at(m_cursor + 1) == '%' || at(m_cursor + 1) == '}')) {
            const bool statement = at(m_cursor + 1) == '%';
            push(statement ? TokenType::CloseStatement : TokenType::CloseExpression, statement ? "%}" : "}}", start);
            m_cursor = skipSpaces(s, m_cursor + 3);
            if (statement) afterCloseStatement();
            continue;
        }

        if (c == '-' || c == '+') {
            if (last == TokenType::Text || last == TokenType::RawText || last == TokenType::End)
                error(std::string("unexpected character '") + c + "'", start);
            const bool binary = last == TokenType::Identifier || last == TokenType::Number ||
                                last == TokenType::String || last == TokenType::CloseParen ||
                                last == TokenType::CloseBracket;
            if (!binary) {
                ++m_cursor;
                std::string num = consumeWhile(isDigit);
                if (!num.empty() && at(m_cursor) == '.' && isDigit(at(m_cursor + 1))) {
                    ++m_cursor;
                    num += "." + consumeWhile(isDigit);
                }
                push(num.empty() ? TokenType::Unary : TokenType::Number, std::string(1, c) + num, start);
                continue;
            }
        }

        bool matched = false;
        for (const Rule& rule : kRules) {
            const std::string_view seq = rule.text;
            if (seq[0] != c) continue;
            if (seq == "}}" && m_braceDepth > 0) continue;
            if (s.compare(m_cursor, seq.size(), seq) != 0) continue;
            push(rule.type, std::string(seq), start);
            if (rule.type == TokenType::OpenExpression) m_braceDepth = 0;
            if (rule.type == TokenType::OpenBrace) ++m_braceDepth;
            if (rule.type == TokenType::CloseBrace) --m_braceDepth;
            m_cursor += seq.size();
            if (rule.type == TokenType::CloseStatement) afterCloseStatement();
            matched = true;
            break;
        }
        if (matched) continue;

        if (c == '\'' || c == '"') {
            ++m_cursor;
            std::string str = consumeString(c);
            push(TokenType::String, std::move(str), start);
            ++m_cursor;
            continue;
        }
        if (isDigit(c)) {
            std::string num = consumeWhile(isDigit);
            if (last != TokenType::Dot && at(m_cursor) == '.' && isDigit(at(m_cursor + 1))) {
                ++m_cursor;
                num += "." + consumeWhile(isDigit);
            }
            push(TokenType::Number, std::move(num), start);
            continue;
        }
        if (isWord(c)) {
            push(TokenType::Identifier, consumeWhile(isWord), start);
            continue;
        }
        size_t p = m_cursor;
        text::next(s, p);
        error("unexpected character '" + s.substr(m_cursor, p - m_cursor) + "'", start);
    }
    return std::move(m_tokens);
}

}  // namespace

std::vector<Token> tokenize(std::string_view source)
{
    if (source.size() >= UINT32_MAX) fail("template is too large", ErrorCode::InvalidArgument);
    Mapped mapped;
    mapped.text.reserve(source.size());
    size_t size = source.size();
    if (size > 0 && source[size - 1] == '\n') --size;
    for (size_t i = 0; i < size; ++i) mapped.push(source[i], static_cast<uint32_t>(i));
    Mapped processed = removeGenerationTags(trimBlocks(lstripBlocks(mapped)));
    Lexer lexer(source, std::move(processed));
    return lexer.run();
}

}  // namespace lathe::tokenize::jinja
