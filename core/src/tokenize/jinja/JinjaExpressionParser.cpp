// Expressions, from the conditional down to literals, with the peer's precedence: tests bind tighter than
// arithmetic, and `**` is left-associative.
#include "tokenize/jinja/JinjaBuiltins.h"
#include "tokenize/jinja/JinjaParserImpl.h"

namespace lathe::tokenize::jinja {

ExprPtr Parser::parseExpression()
{
    DepthGuard guard(*this);
    const SourcePos pos = here();
    ExprPtr value = parseOr();
    if (!isName("if")) return value;
    ++m_current;
    auto cond = node(ExprKind::Conditional, pos);
    cond->children.push_back(parseOr());
    cond->children.push_back(std::move(value));
    if (isName("else")) {
        ++m_current;
        cond->children.push_back(parseExpression());
    } else {
        cond->children.push_back(nullptr);
    }
    return cond;
}

ExprPtr Parser::parseOr()
{
    ExprPtr left = parseAnd();
    while (isName("or")) {
        auto bin = node(ExprKind::Binary, peek().pos);
        bin->name = "or";
        ++m_current;
        bin->children.push_back(std::move(left));
        bin->children.push_back(parseAnd());
        left = std::move(bin);
    }
    return left;
}

ExprPtr Parser::parseAnd()
{
    ExprPtr left = parseNot();
    while (isName("and")) {
        auto bin = node(ExprKind::Binary, peek().pos);
        bin->name = "and";
        ++m_current;
        bin->children.push_back(std::move(left));
        bin->children.push_back(parseNot());
        left = std::move(bin);
    }
    return left;
}

ExprPtr Parser::parseNot()
{
    if (!isName("not")) return parseComparison();
    DepthGuard guard(*this);
    auto unary = node(ExprKind::Unary, peek().pos);
    unary->name = "not";
    ++m_current;
    unary->children.push_back(parseNot());
    return unary;
}

ExprPtr Parser::parseComparison()
{
    ExprPtr left = parseAdditive();
    while (true) {
        const SourcePos pos = here();
        std::string op;
        if (isName("not") && isName("in", 1)) {
            op = "not in";
            m_current += 2;
        } else if (isName("in")) {
            op = "in";
            ++m_current;
        } else if (is(TokenType::Comparison)) {
            op = m_tokens[m_current++].value;
        } else {
            break;
        }
        auto bin = node(ExprKind::Binary, pos);
        bin->name = op;
        bin->children.push_back(std::move(left));
        bin->children.push_back(parseAdditive());
        left = std::move(bin);
    }
    return left;
}

ExprPtr Parser::parseAdditive()
{
    ExprPtr left = parseMultiplicative();
    while (is(TokenType::Additive)) {
        auto bin = node(ExprKind::Binary, peek().pos);
        bin->name = m_tokens[m_current++].value;
        bin->children.push_back(std::move(left));
        bin->children.push_back(parseMultiplicative());
        left = std::move(bin);
    }
    return left;
}

ExprPtr Parser::parseMultiplicative()
{
    ExprPtr left = parsePower();
    while (is(TokenType::Multiplicative)) {
        auto bin = node(ExprKind::Binary, peek().pos);
        bin->name = m_tokens[m_current++].value;
        bin->children.push_back(std::move(left));
        bin->children.push_back(parsePower());
        left = std::move(bin);
    }
    return left;
}

ExprPtr Parser::parsePower()
{
    ExprPtr left = parseTest();
    while (is(TokenType::Power)) {
        auto bin = node(ExprKind::Binary, peek().pos);
        bin->name = m_tokens[m_current++].value;
        bin->children.push_back(std::move(left));
        bin->children.push_back(parseTest());
        left = std::move(bin);
    }
    return left;
}

ExprPtr Parser::parseTest()
{
    ExprPtr operand = parseFilter();
    while (isName("is")) {
        ++m_current;
        auto test = node(ExprKind::Test, here());
        if (isName("not")) {
            test->negate = true;
            ++m_current;
        }
        test->pos = here();
        if (!is(TokenType::Identifier)) error("expected a test name after 'is', found " + describe(peek()));
        test->name = m_tokens[m_current++].value;
        if (!isKnownTest(test->name))
            errorAt(test->pos, "test '" + test->name + "' is not supported", ErrorCode::Unsupported);
        // Jinja's rule: a test takes arguments in parentheses, or one argument written right after its name.
        if (is(TokenType::OpenParen)) {
            test->args = parseCallArgs();
        } else {
            const TokenType t = peek().type;
            const bool startsArgument =
                t == TokenType::String || t == TokenType::Number || t == TokenType::OpenBracket ||
                t == TokenType::OpenBrace ||
                (t == TokenType::Identifier && !isName("else") && !isName("or") && !isName("and") && !isName("if") &&
                 !isName("is") && !isName("in") && !isName("not"));
            if (startsArgument) {
                Arg arg;
                arg.value = parsePostfix(parsePrimary());
                test->args.push_back(std::move(arg));
            }
        }
        test->children.push_back(std::move(operand));
        operand = std::move(test);
    }
    return operand;
}

ExprPtr Parser::parseFilterCall(ExprPtr operand)
{
    auto filter = node(ExprKind::Filter, here());
    if (!is(TokenType::Identifier)) error("expected a filter name, found " + describe(peek()));
    filter->name = m_tokens[m_current++].value;
    if (!isKnownFilter(filter->name))
        errorAt(filter->pos, "filter '" + filter->name + "' is not supported", ErrorCode::Unsupported);
    if (is(TokenType::OpenParen)) filter->args = parseCallArgs();
    filter->children.push_back(std::move(operand));
    return filter;
}

ExprPtr Parser::parseFilter()
{
    ExprPtr operand = parseUnarySign();
    while (is(TokenType::Pipe)) {
        ++m_current;
        operand = parseFilterCall(std::move(operand));
    }
    return operand;
}

ExprPtr Parser::parseUnarySign()
{
    const Token& t = peek();
    if ((t.type == TokenType::Unary || t.type == TokenType::Additive) && (t.value == "-" || t.value == "+")) {
        DepthGuard guard(*this);
        auto unary = node(ExprKind::Unary, t.pos);
        unary->name = t.value;
        ++m_current;
        unary->children.push_back(parseUnarySign());
        return unary;
    }
    return parseCallMember();
}

ExprPtr Parser::parseCallMember()
{
    return parsePostfix(parsePrimary());
}

ExprPtr Parser::parsePostfix(ExprPtr object)
{
    while (true) {
        // A postfix chain is placed where it starts, so that errors point at `messages[0].content`, not at '.'.
        const SourcePos pos = object->pos;
        if (is(TokenType::Dot)) {
            ++m_current;
            auto attr = node(ExprKind::Attribute, pos);
            if (is(TokenType::Identifier)) {
                attr->name = m_tokens[m_current++].value;
            } else if (is(TokenType::Number) && peek().value.find('.') == std::string::npos && peek().value[0] != '-' &&
                       peek().value[0] != '+') {
                const std::string& digits = m_tokens[m_current++].value;
                if (digits.size() > 18) error("the index ." + digits + " is out of range");
                attr->literal = Value::fromInt(std::stoll(digits));
            } else {
                error("expected a name or an integer after '.', found " + describe(peek()));
            }
            attr->children.push_back(std::move(object));
            object = std::move(attr);
        } else if (is(TokenType::OpenBracket)) {
            ++m_current;
            object = parseSubscript(std::move(object), pos);
        } else if (is(TokenType::OpenParen)) {
            auto call = node(ExprKind::Call, pos);
            call->children.push_back(std::move(object));
            call->args = parseCallArgs();
            object = std::move(call);
        } else {
            return object;
        }
    }
}

ExprPtr Parser::parseSubscript(ExprPtr object, SourcePos pos)
{
    std::vector<ExprPtr> parts;
    bool isSlice = false;
    bool pendingValue = false;  // whether the part after the last ':' has been given
    while (!is(TokenType::CloseBracket)) {
        if (atEnd()) error("expected ']'");
        if (is(TokenType::Colon)) {
            if (!pendingValue) parts.push_back(nullptr);
            pendingValue = false;
            ++m_current;
            isSlice = true;
        } else {
            if (pendingValue) error("expected ':' or ']' in the subscript, found " + describe(peek()));
            parts.push_back(parseExpression());
            pendingValue = true;
        }
    }
    ++m_current;
    if (isSlice && pendingValue == false) parts.push_back(nullptr);
    if (parts.empty()) errorAt(pos, "expected an index or a slice inside []");
    if (!isSlice) {
        auto index = node(ExprKind::Index, pos);
        index->children.push_back(std::move(object));
        index->children.push_back(std::move(parts[0]));
        return index;
    }
    if (parts.size() > 3) errorAt(pos, "a slice takes at most three parts");
    auto slice = node(ExprKind::Slice, pos);
    slice->children.push_back(std::move(object));
    for (auto& part : parts) slice->children.push_back(std::move(part));
    while (slice->children.size() < 4) slice->children.push_back(nullptr);
    return slice;
}

ExprPtr Parser::parsePrimary()
{
    DepthGuard guard(*this);
    const Token& t = peek();
    const SourcePos pos = t.pos;
    switch (t.type) {
        case TokenType::Number: {
            ++m_current;
            auto lit = node(ExprKind::Literal, pos);
            // An integer too large for 64 bits becomes a float, as it would in the peer; one too large for a
            // double is a parse error rather than an exception out of the standard library.
            try {
                if (t.value.find('.') != std::string::npos) {
                    lit->literal = Value::fromFloat(std::stod(t.value));
                } else {
                    try {
                        lit->literal = Value::fromInt(std::stoll(t.value));
                    } catch (const std::out_of_range&) {
                        lit->literal = Value::fromFloat(std::stod(t.value));
                    }
                }
            } catch (const std::out_of_range&) {
                error("the number " + t.value.substr(0, 40) + (t.value.size() > 40 ? "..." : "") + " is out of range");
            }
            return lit;
        }
        case TokenType::String: {
            auto lit = node(ExprKind::Literal, pos);
            std::string value;
            while (is(TokenType::String)) value += m_tokens[m_current++].value;  // adjacent literals concatenate
            lit->literal = Value::fromString(std::move(value));
            return lit;
        }
        case TokenType::Identifier: {
            ++m_current;
            auto name = node(ExprKind::Name, pos);
            name->name = t.value;
            return name;
        }
        case TokenType::OpenParen: {
            ++m_current;
            ExprPtr inner = parseSequence(false);
            expect(TokenType::CloseParen, "')'");
            return inner;
        }
        case TokenType::OpenBracket: {
            ++m_current;
            auto list = node(ExprKind::List, pos);
            while (!is(TokenType::CloseBracket)) {
                if (atEnd()) errorAt(pos, "'[' is not closed");
                list->children.push_back(parseExpression());
                if (is(TokenType::Comma))
                    ++m_current;
                else if (!is(TokenType::CloseBracket))
                    error("expected ',' or ']' in the list, found " + describe(peek()));
            }
            ++m_current;
            return list;
        }
        case TokenType::OpenBrace: {
            ++m_current;
            auto dict = node(ExprKind::Dict, pos);
            while (!is(TokenType::CloseBrace)) {
                if (atEnd()) errorAt(pos, "'{' is not closed");
                dict->children.push_back(parseExpression());
                expect(TokenType::Colon, "':' between key and value");
                dict->children.push_back(parseExpression());
                if (is(TokenType::Comma))
                    ++m_current;
                else if (!is(TokenType::CloseBrace))
                    error("expected ',' or '}' in the dict, found " + describe(peek()));
            }
            ++m_current;
            return dict;
        }
        default:
            error("unexpected " + describe(t));
    }
}

}  // namespace lathe::tokenize::jinja
