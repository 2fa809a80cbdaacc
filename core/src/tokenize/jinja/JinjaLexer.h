#pragma once
// Turns template source into tokens the way @huggingface/jinja does with lstrip_blocks and trim_blocks on (as
// transformers' apply_chat_template configures Jinja), keeping each token's line and column in the source.

#include <string>
#include <string_view>
#include <vector>

namespace lathe::tokenize::jinja {

enum class TokenType {
    Text,
    RawText,  // the body of {% raw %}...{% endraw %}
    Number,
    String,
    Identifier,
    Equals,
    OpenParen,
    CloseParen,
    OpenStatement,
    CloseStatement,
    OpenExpression,
    CloseExpression,
    OpenBracket,
    CloseBracket,
    OpenBrace,
    CloseBrace,
    Comma,
    Dot,
    Colon,
    Pipe,
    Additive,        // + - ~
    Multiplicative,  // * / // %
    Power,           // **
    Comparison,      // < > <= >= == !=
    Unary,           // a sign with no number after it
    Comment,
    End,
};

struct SourcePos {
    int line = 0;
    int column = 0;
};

struct Token {
    TokenType type = TokenType::End;
    std::string value;
    SourcePos pos;
};

// Throws JinjaError (placed) on malformed input.
std::vector<Token> tokenize(std::string_view source);

}  // namespace lathe::tokenize::jinja
