#pragma once
// The recursive-descent parser behind parseTemplate: statements in JinjaParser.cpp, expressions in
// JinjaExpressionParser.cpp. Private to the engine.

#include "tokenize/jinja/JinjaAst.h"

#include <initializer_list>
#include <string_view>
#include <vector>

namespace lathe::tokenize::jinja {

// Deeper nesting than this (of expressions and blocks together) is refused, so that neither parsing nor
// rendering can exhaust the stack.
inline constexpr int kMaxParseDepth = 200;

class Parser {
public:
    explicit Parser(std::vector<Token> tokens) : m_tokens(std::move(tokens)) {}

    Program run()
    {
        Program program;
        while (!atEnd()) program.body.push_back(parseAny());
        return program;
    }

private:
    struct DepthGuard {
        explicit DepthGuard(Parser& p) : parser(p)
        {
            if (++parser.m_depth > kMaxParseDepth)
                parser.error("template nests more than " + std::to_string(kMaxParseDepth) + " levels deep");
        }
        ~DepthGuard() { --parser.m_depth; }
        Parser& parser;
    };

    bool atEnd() const { return m_current >= m_tokens.size(); }
    const Token& peek(size_t ahead = 0) const
    {
        static const Token end{TokenType::End, "", {}};
        return m_current + ahead < m_tokens.size() ? m_tokens[m_current + ahead] : end;
    }
    SourcePos here() const
    {
        if (!atEnd()) return peek().pos;
        return m_tokens.empty() ? SourcePos{1, 1} : m_tokens.back().pos;
    }

    [[noreturn]] void error(const std::string& message, ErrorCode code = ErrorCode::Corrupt) const
    {
        errorAt(here(), message, code);
    }
    [[noreturn]] static void errorAt(SourcePos pos, const std::string& message, ErrorCode code = ErrorCode::Corrupt)
    {
        throw JinjaError{code, message, pos.line, pos.column};
    }

    static std::string describe(const Token& t)
    {
        switch (t.type) {
            case TokenType::End:
                return "end of template";
            case TokenType::Text:
            case TokenType::RawText:
                return "text";
            case TokenType::String:
                return "string literal";
            case TokenType::Comment:
                return "comment";
            default:
                return "'" + t.value + "'";
        }
    }

    bool is(TokenType type) const { return peek().type == type; }
    bool isName(std::string_view name, size_t ahead = 0) const
    {
        return peek(ahead).type == TokenType::Identifier && peek(ahead).value == name;
    }
    bool isStatement(std::initializer_list<std::string_view> names) const
    {
        if (!is(TokenType::OpenStatement) || peek(1).type != TokenType::Identifier) return false;
        for (std::string_view n : names)
            if (peek(1).value == n) return true;
        return false;
    }
    const Token& expect(TokenType type, const char* what)
    {
        if (!is(type)) error(std::string("expected ") + what + ", found " + describe(peek()));
        return m_tokens[m_current++];
    }
    void expectName(std::string_view name)
    {
        if (!isName(name)) error("expected '" + std::string(name) + "', found " + describe(peek()));
        ++m_current;
    }
    void expectEnd(std::string_view endName)
    {
        expect(TokenType::OpenStatement, "'{%'");
        expectName(endName);
        expect(TokenType::CloseStatement, "'%}'");
    }
    Body parseUntil(std::initializer_list<std::string_view> ends, const Token& opener)
    {
        Body body;
        while (!isStatement(ends)) {
            if (atEnd())
                errorAt(opener.pos,
                        "'" + opener.value + "' is not closed (expected {% " + std::string(*ends.begin()) + " %})");
            body.push_back(parseAny());
        }
        return body;
    }

    static ExprPtr node(ExprKind kind, SourcePos pos)
    {
        auto e = std::make_unique<Expr>();
        e->kind = kind;
        e->pos = pos;
        return e;
    }

    StmtPtr parseAny();
    StmtPtr parseStatement();
    StmtPtr parseSet(const Token& keyword);
    StmtPtr parseIf(const Token& keyword);
    StmtPtr parseFor(const Token& keyword);
    StmtPtr parseMacro(const Token& keyword);
    std::vector<Param> parseParams();
    std::vector<Arg> parseCallArgs();

    ExprPtr parseSequence(bool primary);
    ExprPtr parseExpression();
    ExprPtr parseOr();
    ExprPtr parseAnd();
    ExprPtr parseNot();
    ExprPtr parseComparison();
    ExprPtr parseAdditive();
    ExprPtr parseMultiplicative();
    ExprPtr parsePower();
    ExprPtr parseTest();
    ExprPtr parseFilter();
    ExprPtr parseUnarySign();
    ExprPtr parseCallMember();
    ExprPtr parsePostfix(ExprPtr object);
    ExprPtr parseSubscript(ExprPtr object, SourcePos pos);
    ExprPtr parsePrimary();
    ExprPtr parseFilterCall(ExprPtr operand);

    std::vector<Token> m_tokens;
    size_t m_current = 0;
    int m_depth = 0;
};

}  // namespace lathe::tokenize::jinja
