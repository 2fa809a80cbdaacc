#include "tokenize/jinja/JinjaParser.h"

#include "tokenize/jinja/JinjaParserImpl.h"

#include <set>

namespace lathe::tokenize::jinja {

StmtPtr Parser::parseAny()
{
    DepthGuard guard(*this);
    const Token& t = peek();
    auto stmt = std::make_unique<Stmt>();
    stmt->pos = t.pos;
    switch (t.type) {
        case TokenType::Comment:
            ++m_current;
            stmt->kind = StmtKind::Text;
            return stmt;
        case TokenType::Text:
        case TokenType::RawText:
            stmt->kind = StmtKind::Text;
            stmt->text = t.value;
            ++m_current;
            return stmt;
        case TokenType::OpenStatement:
            return parseStatement();
        case TokenType::OpenExpression:
            ++m_current;
            stmt->kind = StmtKind::Output;
            stmt->expr = parseExpression();
            expect(TokenType::CloseExpression, "'}}'");
            return stmt;
        default:
            error("unexpected " + describe(t));
    }
}

StmtPtr Parser::parseStatement()
{
    expect(TokenType::OpenStatement, "'{%'");
    if (!is(TokenType::Identifier)) error("expected a statement name, found " + describe(peek()));
    const Token& keyword = m_tokens[m_current++];
    const std::string& name = keyword.value;
    if (name == "set") return parseSet(keyword);
    if (name == "if") {
        StmtPtr s = parseIf(keyword);
        expectEnd("endif");
        return s;
    }
    if (name == "for") {
        StmtPtr s = parseFor(keyword);
        expectEnd("endfor");
        return s;
    }
    if (name == "macro") {
        StmtPtr s = parseMacro(keyword);
        expectEnd("endmacro");
        return s;
    }
    auto stmt = std::make_unique<Stmt>();
    stmt->pos = keyword.pos;
    if (name == "break" || name == "continue") {
        stmt->kind = name == "break" ? StmtKind::Break : StmtKind::Continue;
        expect(TokenType::CloseStatement, "'%}'");
        return stmt;
    }
    if (name == "call") {
        stmt->kind = StmtKind::CallBlock;
        if (is(TokenType::OpenParen)) stmt->params = parseParams();
        const SourcePos calleePos = here();
        ExprPtr callee = parsePrimary();
        if (callee->kind != ExprKind::Name) errorAt(calleePos, "expected a macro name after 'call'");
        auto call = node(ExprKind::Call, calleePos);
        call->children.push_back(std::move(callee));
        call->args = parseCallArgs();
        stmt->expr = std::move(call);
        expect(TokenType::CloseStatement, "'%}'");
        stmt->body = parseUntil({"endcall"}, keyword);
        expectEnd("endcall");
        return stmt;
    }
    if (name == "filter") {
        stmt->kind = StmtKind::FilterBlock;
        stmt->expr = parseFilterCall(nullptr);
        expect(TokenType::CloseStatement, "'%}'");
        stmt->body = parseUntil({"endfilter"}, keyword);
        expectEnd("endfilter");
        return stmt;
    }
    static const std::set<std::string, std::less<>> kEnds{"endif",     "endfor", "endmacro", "endset", "endcall",
                                                          "endfilter", "else",   "elif",     "endraw"};
    if (kEnds.count(name)) errorAt(keyword.pos, "unexpected '" + name + "' with no open block it could end");
    errorAt(keyword.pos, "unsupported statement '" + name + "'", ErrorCode::Unsupported);
}

StmtPtr Parser::parseSet(const Token& keyword)
{
    auto stmt = std::make_unique<Stmt>();
    stmt->kind = StmtKind::Set;
    stmt->pos = keyword.pos;
    const SourcePos targetPos = here();
    stmt->target = parseSequence(false);
    const ExprKind tk = stmt->target->kind;
    if (tk != ExprKind::Name && tk != ExprKind::Tuple && tk != ExprKind::Attribute)
        errorAt(targetPos, "cannot assign to this expression");
    if (is(TokenType::Equals)) {
        ++m_current;
        stmt->expr = parseSequence(false);
        expect(TokenType::CloseStatement, "'%}'");
        return stmt;
    }
    expect(TokenType::CloseStatement, "'=' or '%}'");
    stmt->body = parseUntil({"endset"}, keyword);
    expectEnd("endset");
    return stmt;
}

StmtPtr Parser::parseIf(const Token& keyword)
{
    auto stmt = std::make_unique<Stmt>();
    stmt->kind = StmtKind::If;
    stmt->pos = keyword.pos;
    stmt->expr = parseExpression();
    expect(TokenType::CloseStatement, "'%}'");
    stmt->body = parseUntil({"elif", "else", "endif"}, keyword);
    if (isStatement({"elif"})) {
        ++m_current;
        const Token& elif = m_tokens[m_current++];
        DepthGuard guard(*this);
        stmt->orelse.push_back(parseIf(elif));
    } else if (isStatement({"else"})) {
        m_current += 2;
        expect(TokenType::CloseStatement, "'%}'");
        stmt->orelse = parseUntil({"endif"}, keyword);
    }
    return stmt;
}

StmtPtr Parser::parseFor(const Token& keyword)
{
    auto stmt = std::make_unique<Stmt>();
    stmt->kind = StmtKind::For;
    stmt->pos = keyword.pos;
    const SourcePos targetPos = here();
    stmt->target = parseSequence(true);
    if (stmt->target->kind == ExprKind::Tuple) {
        for (const ExprPtr& item : stmt->target->children)
            if (item->kind != ExprKind::Name) errorAt(item->pos, "loop variables must be names");
    } else if (stmt->target->kind != ExprKind::Name) {
        errorAt(targetPos, "expected a name or names for the loop variable");
    }
    if (!isName("in")) error("expected 'in' after the loop variable, found " + describe(peek()));
    ++m_current;
    ExprPtr iterable = parseExpression();
    if (iterable->kind == ExprKind::Conditional && !iterable->children[2]) {
        stmt->condition = std::move(iterable->children[0]);
        iterable = std::move(iterable->children[1]);
    }
    stmt->expr = std::move(iterable);
    expect(TokenType::CloseStatement, "'%}'");
    stmt->body = parseUntil({"endfor", "else"}, keyword);
    if (isStatement({"else"})) {
        m_current += 2;
        expect(TokenType::CloseStatement, "'%}'");
        stmt->orelse = parseUntil({"endfor"}, keyword);
    }
    return stmt;
}

StmtPtr Parser::parseMacro(const Token& keyword)
{
    auto stmt = std::make_unique<Stmt>();
    stmt->kind = StmtKind::Macro;
    stmt->pos = keyword.pos;
    if (!is(TokenType::Identifier)) error("expected a macro name, found " + describe(peek()));
    stmt->name = m_tokens[m_current++].value;
    stmt->params = parseParams();
    expect(TokenType::CloseStatement, "'%}'");
    stmt->body = parseUntil({"endmacro"}, keyword);
    return stmt;
}

std::vector<Param> Parser::parseParams()
{
    std::vector<Param> params;
    std::set<std::string> seen;
    std::vector<Arg> args = parseCallArgs();
    for (Arg& arg : args) {
        Param p;
        if (arg.kind == Arg::Kind::Positional && arg.value->kind == ExprKind::Name) {
            p.name = arg.value->name;
        } else if (arg.kind == Arg::Kind::Keyword) {
            p.name = arg.name;
            p.defaultValue = std::move(arg.value);
        } else {
            errorAt(arg.value ? arg.value->pos : here(), "expected a parameter name");
        }
        if (!p.defaultValue && !params.empty() && params.back().defaultValue)
            errorAt(here(), "parameter '" + p.name + "' without a default follows one with a default");
        if (!seen.insert(p.name).second) errorAt(here(), "duplicate parameter '" + p.name + "'");
        params.push_back(std::move(p));
    }
    return params;
}

std::vector<Arg> Parser::parseCallArgs()
{
    expect(TokenType::OpenParen, "'('");
    std::vector<Arg> args;
    bool sawKeyword = false;
    while (!is(TokenType::CloseParen)) {
        if (atEnd()) error("expected ')' to close the argument list");
        Arg arg;
        if (is(TokenType::Power)) {
            ++m_current;
            arg.kind = Arg::Kind::KeywordSpread;
            arg.value = parseExpression();
            sawKeyword = true;
        } else if (is(TokenType::Multiplicative) && peek().value == "*") {
            ++m_current;
            arg.kind = Arg::Kind::Spread;
            arg.value = parseExpression();
        } else if (is(TokenType::Identifier) && peek(1).type == TokenType::Equals) {
            arg.kind = Arg::Kind::Keyword;
            arg.name = m_tokens[m_current].value;
            m_current += 2;
            arg.value = parseExpression();
            sawKeyword = true;
        } else {
            const SourcePos pos = here();
            arg.value = parseExpression();
            if (is(TokenType::Equals)) errorAt(pos, "expected a name before '='");
            if (sawKeyword) errorAt(pos, "positional argument follows keyword argument");
        }
        args.push_back(std::move(arg));
        if (is(TokenType::Comma))
            ++m_current;
        else if (!is(TokenType::CloseParen))
            error("expected ',' or ')' in the argument list, found " + describe(peek()));
    }
    ++m_current;
    return args;
}

ExprPtr Parser::parseSequence(bool primary)
{
    const SourcePos pos = here();
    ExprPtr first = primary ? parsePrimary() : parseExpression();
    if (!is(TokenType::Comma)) return first;
    auto tuple = node(ExprKind::Tuple, pos);
    tuple->children.push_back(std::move(first));
    while (is(TokenType::Comma)) {
        ++m_current;
        if (is(TokenType::CloseParen)) break;  // (1,)
        tuple->children.push_back(primary ? parsePrimary() : parseExpression());
    }
    return tuple;
}
namespace {

void collectNames(const Expr* e, std::set<std::string>& names);
void collectNames(const Body& body, std::set<std::string>& names);

void collectNames(const Expr* e, std::set<std::string>& names)
{
    if (!e) return;
    if (e->kind == ExprKind::Name) names.insert(e->name);
    for (const ExprPtr& child : e->children) collectNames(child.get(), names);
    for (const Arg& arg : e->args) collectNames(arg.value.get(), names);
}

void collectNames(const Body& body, std::set<std::string>& names)
{
    for (const StmtPtr& s : body) {
        collectNames(s->expr.get(), names);
        collectNames(s->target.get(), names);
        collectNames(s->condition.get(), names);
        for (const Param& p : s->params) collectNames(p.defaultValue.get(), names);
        collectNames(s->body, names);
        collectNames(s->orelse, names);
    }
}

void annotate(Body& body)
{
    for (StmtPtr& s : body) {
        annotate(s->body);
        annotate(s->orelse);
        if (s->kind == StmtKind::For) {
            std::set<std::string> names;
            collectNames(s->body, names);
            collectNames(s->orelse, names);
            s->usesLoop = names.count("loop") != 0;
        } else if (s->kind == StmtKind::Macro || s->kind == StmtKind::CallBlock) {
            std::set<std::string> names;
            collectNames(s->body, names);
            s->usesVarargs = names.count("varargs") != 0;
            s->usesKwargs = names.count("kwargs") != 0;
            s->usesCaller = names.count("caller") != 0;
        }
    }
}

}  // namespace

Program parseTemplate(std::string_view source)
{
    Parser parser(tokenize(source));
    Program program = parser.run();
    annotate(program.body);
    return program;
}

}  // namespace lathe::tokenize::jinja
