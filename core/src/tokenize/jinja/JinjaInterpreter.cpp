#include "tokenize/jinja/JinjaInterpreter.h"

#include "tokenize/jinja/JinjaBuiltins.h"
#include "tokenize/jinja/JinjaText.h"

#include <cmath>
#include <limits>

namespace lathe::tokenize::jinja {

const Value* Scope::lookup(const std::string& name) const
{
    for (const Scope* s = this; s; s = s->parent.get()) {
        const auto it = s->vars.find(name);
        if (it != s->vars.end()) return &it->second;
    }
    return nullptr;
}

namespace {

ScopePtr childOf(const ScopePtr& parent)
{
    auto scope = std::make_shared<Scope>();
    scope->parent = parent;
    return scope;
}

[[noreturn]] void failAt(SourcePos pos, std::string message, ErrorCode code = ErrorCode::InvalidArgument)
{
    throw JinjaError{code, std::move(message), pos.line, pos.column};
}

}  // namespace

struct Interpreter::Guard {
    Guard(Interpreter& i, SourcePos pos) : interp(i)
    {
        if (++interp.m_nesting > interp.m_limits.maxNesting) {
            --interp.m_nesting;
            failAt(pos, "template nests more than " + std::to_string(interp.m_limits.maxNesting) +
                            " levels deep while rendering");
        }
    }
    ~Guard() { --interp.m_nesting; }
    Interpreter& interp;
};

Interpreter::~Interpreter()
{
    // A namespace can hold itself (set ns.me = ns); emptying them all breaks such cycles so nothing leaks.
    for (auto& weak : m_namespaces)
        if (auto ns = weak.lock()) ns->clear();
}

void Interpreter::chargeElements(size_t count)
{
    m_elements += count;
    if (m_elements > m_limits.maxElements)
        fail("template built more than " + std::to_string(m_limits.maxElements) + " list elements");
}

void Interpreter::checkText(size_t bytes)
{
    if (bytes > m_limits.maxTextBytes)
        fail("template output exceeds " + std::to_string(m_limits.maxTextBytes >> 20) + " MiB");
    m_textWork += bytes;
    if (m_textWork > m_limits.maxTextWork)
        fail("template built more than " + std::to_string(m_limits.maxTextWork >> 20) + " MiB of text");
}

void Interpreter::append(std::string& out, std::string_view text)
{
    if (out.size() + text.size() > m_limits.maxTextBytes)
        fail("template output exceeds " + std::to_string(m_limits.maxTextBytes >> 20) + " MiB");
    out += text;
}

std::string Interpreter::render(const Program& program, const ScopePtr& globals)
{
    std::string out;
    if (renderBody(program.body, globals, out) != Flow::Normal) fail("'break' or 'continue' outside a loop");
    return out;
}

Interpreter::Flow Interpreter::renderBody(const Body& body, const ScopePtr& scope, std::string& out)
{
    for (const StmtPtr& stmt : body) {
        const Flow flow = renderStmt(*stmt, scope, out);
        if (flow != Flow::Normal) return flow;
    }
    return Flow::Normal;
}

Interpreter::Flow Interpreter::renderStmt(const Stmt& stmt, const ScopePtr& scope, std::string& out)
{
    Guard guard(*this, stmt.pos);
    try {
        switch (stmt.kind) {
            case StmtKind::Text:
                append(out, stmt.text);
                return Flow::Normal;
            case StmtKind::Output: {
                const Value v = eval(*stmt.expr, scope);
                if (!v.isNone() && !v.isUndefined()) append(out, printValue(v));
                return Flow::Normal;
            }
            case StmtKind::If:
                return renderBody(truthy(eval(*stmt.expr, scope)) ? stmt.body : stmt.orelse, scope, out);
            case StmtKind::For:
                return renderFor(stmt, scope, out);
            case StmtKind::Break:
                return Flow::Break;
            case StmtKind::Continue:
                return Flow::Continue;
            case StmtKind::Set: {
                Value value;
                if (stmt.expr) {
                    value = eval(*stmt.expr, scope);
                } else {
                    std::string captured;
                    if (renderBody(stmt.body, scope, captured) != Flow::Normal)
                        fail("'break' or 'continue' inside {% set %}");
                    value = Value::fromString(std::move(captured));
                }
                assign(*stmt.target, std::move(value), scope);
                return Flow::Normal;
            }
            case StmtKind::Macro:
                scope->vars[stmt.name] = defineMacro(stmt, scope);
                return Flow::Normal;
            case StmtKind::CallBlock: {
                const Value v = renderCallBlock(stmt, scope);
                if (!v.isNone() && !v.isUndefined()) append(out, printValue(v));
                return Flow::Normal;
            }
            case StmtKind::FilterBlock: {
                std::string captured;
                if (renderBody(stmt.body, scope, captured) != Flow::Normal)
                    fail("'break' or 'continue' inside {% filter %}");
                const Expr& f = *stmt.expr;
                const Value v = filter(f.name, Value::fromString(std::move(captured)), evalArgs(f.args, scope));
                if (!v.isNone() && !v.isUndefined()) append(out, printValue(v));
                return Flow::Normal;
            }
        }
    } catch (JinjaError& e) {
        if (e.line == 0) {
            e.line = stmt.pos.line;
            e.column = stmt.pos.column;
        }
        throw;
    }
    return Flow::Normal;
}

Interpreter::Flow Interpreter::renderFor(const Stmt& stmt, const ScopePtr& outer, std::string& out)
{
    const ScopePtr scope = childOf(outer);
    Value iterable = eval(*stmt.expr, scope);
    std::vector<Value> candidates;
    if (iterable.isList()) {
        candidates = iterable.list->items;
    } else if (iterable.isMapping()) {
        for (const auto& entry : iterable.dict->entries()) candidates.push_back(Value::fromString(entry.first));
    } else {
        failAt(stmt.expr->pos, "cannot loop over a value of type " + typeName(iterable));
    }
    chargeElements(candidates.size());

    const Expr& target = *stmt.target;
    auto bind = [&](const Value& item, Scope& into) {
        if (target.kind == ExprKind::Name) {
            into.vars[target.name] = item;
            return;
        }
        for (size_t j = 0; j < target.children.size(); ++j) into.vars[target.children[j]->name] = item.list->items[j];
    };

    std::vector<Value> items;
    if (target.kind == ExprKind::Name && !stmt.condition) {
        items = std::move(candidates);
    } else {
        for (Value& candidate : candidates) {
            if (target.kind == ExprKind::Tuple) {
                if (!candidate.isList())
                    failAt(target.pos, "cannot unpack a value of type " + typeName(candidate) + " into loop variables");
                const size_t want = target.children.size();
                const size_t have = candidate.list->items.size();
                if (want != have)
                    failAt(target.pos, std::string("too ") + (want > have ? "few" : "many") + " items to unpack (" +
                                           std::to_string(have) + " for " + std::to_string(want) + " names)");
            }
            if (stmt.condition) {
                if (++m_iterations > m_limits.maxLoopIterations)
                    fail("template ran more than " + std::to_string(m_limits.maxLoopIterations) + " loop iterations");
                const ScopePtr testScope = childOf(scope);
                bind(candidate, *testScope);
                if (!truthy(eval(*stmt.condition, testScope))) continue;
            }
            items.push_back(std::move(candidate));
        }
    }

    bool iterated = false;
    for (size_t i = 0; i < items.size(); ++i) {
        if (++m_iterations > m_limits.maxLoopIterations)
            fail("template ran more than " + std::to_string(m_limits.maxLoopIterations) + " loop iterations");
        if (stmt.usesLoop) {
            const auto n = static_cast<int64_t>(items.size());
            const auto k = static_cast<int64_t>(i);
            Dict loop;
            loop.set("index", Value::fromInt(k + 1));
            loop.set("index0", Value::fromInt(k));
            loop.set("revindex", Value::fromInt(n - k));
            loop.set("revindex0", Value::fromInt(n - k - 1));
            loop.set("first", Value::fromBool(k == 0));
            loop.set("last", Value::fromBool(k == n - 1));
            loop.set("length", Value::fromInt(n));
            loop.set("previtem", i > 0 ? items[i - 1] : Value{});
            loop.set("nextitem", i + 1 < items.size() ? items[i + 1] : Value{});
            scope->vars["loop"] = Value::makeDict(std::move(loop));
        }
        bind(items[i], *scope);
        const Flow flow = renderBody(stmt.body, scope, out);
        if (flow == Flow::Break) break;
        if (flow == Flow::Continue) continue;
        iterated = true;
    }
    // Like the peer, the else block also runs when every iteration ended in 'continue'.
    // A break or continue in the else block belongs to the enclosing loop, as in the peer.
    if (!iterated) return renderBody(stmt.orelse, scope, out);
    return Flow::Normal;
}

void Interpreter::assign(const Expr& target, Value value, const ScopePtr& scope)
{
    switch (target.kind) {
        case ExprKind::Name:
            scope->vars[target.name] = std::move(value);
            return;
        case ExprKind::Tuple: {
            if (!value.isList()) failAt(target.pos, "cannot unpack a value of type " + typeName(value) + " in set");
            const size_t want = target.children.size();
            const size_t have = value.list->items.size();
            if (want != have)
                failAt(target.pos, std::string("too ") + (want > have ? "few" : "many") + " items to unpack in set");
            for (size_t i = 0; i < want; ++i) {
                if (target.children[i]->kind != ExprKind::Name)
                    failAt(target.children[i]->pos, "can only unpack into names");
                scope->vars[target.children[i]->name] = value.list->items[i];
            }
            return;
        }
        case ExprKind::Attribute: {
            const Value object = eval(*target.children[0], scope);
            if (object.kind != Kind::Namespace)
                failAt(target.pos,
                       "cannot assign an attribute of a value of type " + typeName(object) + " (only of a namespace)");
            if (target.name.empty()) failAt(target.pos, "cannot assign to a numbered attribute");
            object.dict->set(target.name, std::move(value));
            return;
        }
        default:
            failAt(target.pos, "cannot assign to this expression");
    }
}

Value Interpreter::defineMacro(const Stmt& stmt, const ScopePtr& scope)
{
    // Weak: the defining scope usually holds the macro itself, and a strong reference would keep both alive.
    std::weak_ptr<Scope> defining = scope;
    const Stmt* macro = &stmt;
    return Value::makeFunction(stmt.name, [this, macro, defining](CallArgs& args, CallSite& site) {
        const ScopePtr scope = defining.lock();
        if (!scope) fail("macro '" + macro->name + "' was called after the block that defined it ended");
        return invokeMacro(*macro, "'" + macro->name + "'", scope, args, site.caller);
    });
}

Value Interpreter::invokeMacro(const Stmt& stmt, const std::string& displayName, const ScopePtr& defining,
                               CallArgs& args, const Value* caller)
{
    if (++m_macroDepth > m_limits.maxMacroDepth) {
        --m_macroDepth;
        fail("macro calls nest more than " + std::to_string(m_limits.maxMacroDepth) + " levels deep");
    }
    struct Release {
        int& depth;
        ~Release() { --depth; }
    } release{m_macroDepth};

    ScopePtr parent = defining;
    if (stmt.usesCaller && stmt.kind == StmtKind::Macro) {
        parent = childOf(defining);
        parent->vars["caller"] = caller ? *caller : Value{};
    }
    const ScopePtr scope = childOf(parent);
    std::vector<std::pair<std::string, Value>> keywords = args.keyword;
    std::vector<const Param*> pending;
    for (size_t i = 0; i < stmt.params.size(); ++i) {
        const Param& p = stmt.params[i];
        Value value;
        bool given = false;
        if (i < args.positional.size()) {
            value = args.positional[i];
            given = true;
        } else {
            for (auto it = keywords.begin(); it != keywords.end(); ++it) {
                if (it->first == p.name) {
                    value = std::move(it->second);
                    keywords.erase(it);
                    given = true;
                    break;
                }
            }
        }
        if (!given && p.defaultValue) pending.push_back(&p);
        scope->vars[p.name] = std::move(value);
    }
    if (stmt.usesKwargs) {
        Dict kwargs;
        for (auto& [key, value] : keywords) kwargs.set(key, std::move(value));
        scope->vars["kwargs"] = Value::makeDict(std::move(kwargs));
    } else if (!keywords.empty()) {
        fail("macro " + displayName + " takes no keyword argument '" + keywords.front().first + "'");
    }
    if (stmt.usesVarargs) {
        std::vector<Value> rest;
        for (size_t i = stmt.params.size(); i < args.positional.size(); ++i) rest.push_back(args.positional[i]);
        scope->vars["varargs"] = Value::makeList(std::move(rest));
    } else if (args.positional.size() > stmt.params.size()) {
        fail("macro " + displayName + " takes not more than " + std::to_string(stmt.params.size()) + " argument(s)");
    }
    for (const Param* p : pending) scope->vars[p->name] = eval(*p->defaultValue, scope);

    std::string out;
    if (renderBody(stmt.body, scope, out) != Flow::Normal) fail("'break' or 'continue' outside a loop");
    return Value::fromString(std::move(out));
}

Value Interpreter::renderCallBlock(const Stmt& stmt, const ScopePtr& scope)
{
    std::weak_ptr<Scope> weak = scope;
    const Stmt* block = &stmt;
    const Value caller = Value::makeFunction("caller", [this, block, weak](CallArgs& args, CallSite&) {
        const ScopePtr s = weak.lock();
        if (!s) fail("caller() was called after its {% call %} block ended");
        return invokeMacro(*block, "None", s, args, nullptr);
    });
    const Expr& call = *stmt.expr;
    CallArgs args = evalArgs(call.args, scope);
    const Value callee = eval(*call.children[0], scope);
    if (callee.kind != Kind::Function)
        failAt(call.pos, "'" + call.children[0]->name + "' is not a macro (it is " + typeName(callee) + ")");
    return this->call(callee, args, &caller);
}

Value Interpreter::call(const Value& function, CallArgs& args, const Value* caller)
{
    CallSite site{*this, caller};
    return function.function->call(args, site);
}

Value Interpreter::filter(const std::string& name, const Value& operand, const CallArgs& args)
{
    return applyFilter(*this, name, operand, args);
}

Value Interpreter::eval(const Expr& expr, const ScopePtr& scope)
{
    Guard guard(*this, expr.pos);
    try {
        return evalInner(expr, scope);
    } catch (JinjaError& e) {
        if (e.line == 0) {
            e.line = expr.pos.line;
            e.column = expr.pos.column;
        }
        throw;
    }
}

CallArgs Interpreter::evalArgs(const std::vector<Arg>& args, const ScopePtr& scope)
{
    CallArgs out;
    auto addKeyword = [&](const std::string& key, Value value, SourcePos pos) {
        if (out.kw(key)) failAt(pos, "got multiple values for keyword argument '" + key + "'");
        out.keyword.emplace_back(key, std::move(value));
    };
    for (const Arg& arg : args) {
        if (arg.kind == Arg::Kind::Positional) {
            out.positional.push_back(eval(*arg.value, scope));
        } else if (arg.kind == Arg::Kind::Spread) {
            const Value v = eval(*arg.value, scope);
            if (!v.isList()) failAt(arg.value->pos, "cannot unpack a value of type " + typeName(v) + " with *");
            for (const Value& item : v.list->items) out.positional.push_back(item);
        }
    }
    for (const Arg& arg : args) {
        if (arg.kind == Arg::Kind::Keyword) {
            addKeyword(arg.name, eval(*arg.value, scope), arg.value->pos);
        } else if (arg.kind == Arg::Kind::KeywordSpread) {
            const Value v = eval(*arg.value, scope);
            if (!v.isMapping()) failAt(arg.value->pos, "the argument after ** must be a dict, not " + typeName(v));
            for (const auto& [key, value] : v.dict->entries()) addKeyword(key, value, arg.value->pos);
        }
    }
    return out;
}

Value Interpreter::evalInner(const Expr& expr, const ScopePtr& scope)
{
    switch (expr.kind) {
        case ExprKind::Literal:
            return expr.literal;
        case ExprKind::Name: {
            const Value* v = scope->lookup(expr.name);
            return v ? *v : Value{};
        }
        case ExprKind::List:
        case ExprKind::Tuple: {
            std::vector<Value> items;
            items.reserve(expr.children.size());
            for (const ExprPtr& child : expr.children) items.push_back(eval(*child, scope));
            chargeElements(items.size());
            return Value::makeList(std::move(items), expr.kind == ExprKind::Tuple);
        }
        case ExprKind::Dict: {
            Dict dict;
            for (size_t i = 0; i + 1 < expr.children.size(); i += 2) {
                const Value key = eval(*expr.children[i], scope);
                if (!key.isString()) failAt(expr.children[i]->pos, "dict keys must be strings, not " + typeName(key));
                dict.set(key.text, eval(*expr.children[i + 1], scope));
            }
            chargeElements(dict.size());
            return Value::makeDict(std::move(dict));
        }
        case ExprKind::Attribute: {
            const Value object = eval(*expr.children[0], scope);
            return member(object, expr.name.empty() ? expr.literal : Value::fromString(expr.name));
        }
        case ExprKind::Index: {
            const Value object = eval(*expr.children[0], scope);
            return member(object, eval(*expr.children[1], scope));
        }
        case ExprKind::Slice:
            return evalSlice(expr, scope);
        case ExprKind::Call:
            return evalCall(expr, scope);
        case ExprKind::Filter: {
            const Value operand = eval(*expr.children[0], scope);
            return filter(expr.name, operand, evalArgs(expr.args, scope));
        }
        case ExprKind::Test: {
            const Value operand = eval(*expr.children[0], scope);
            const bool result = applyTest(expr.name, operand, evalArgs(expr.args, scope));
            return Value::fromBool(expr.negate ? !result : result);
        }
        case ExprKind::Unary: {
            const Value v = eval(*expr.children[0], scope);
            if (expr.name == "not") return Value::fromBool(!truthy(v));
            const bool negative = expr.name == "-";
            if (v.kind == Kind::Float) return Value::fromFloat(negative ? -v.real : v.real);
            if (v.kind == Kind::Int || v.kind == Kind::Bool) {
                const int64_t i = v.kind == Kind::Int ? v.integer : (v.boolean ? 1 : 0);
                if (negative && i == std::numeric_limits<int64_t>::min())
                    return Value::fromFloat(-static_cast<double>(i));
                return Value::fromInt(negative ? -i : i);
            }
            fail("unary '" + expr.name + "' cannot be applied to a value of type " + typeName(v));
        }
        case ExprKind::Binary:
            return evalBinary(expr, scope);
        case ExprKind::Conditional:
            if (truthy(eval(*expr.children[0], scope))) return eval(*expr.children[1], scope);
            return expr.children[2] ? eval(*expr.children[2], scope) : Value{};
    }
    return Value{};
}

Value Interpreter::evalCall(const Expr& expr, const ScopePtr& scope)
{
    CallArgs args = evalArgs(expr.args, scope);
    const Expr& calleeExpr = *expr.children[0];
    const Value callee = eval(calleeExpr, scope);
    if (callee.kind == Kind::Function) return call(callee, args);
    if (calleeExpr.kind == ExprKind::Name) {
        if (callee.isUndefined()) fail("call of undefined function '" + calleeExpr.name + "'");
        fail("'" + calleeExpr.name + "' is a value of type " + typeName(callee) + ", not a function");
    }
    if (calleeExpr.kind == ExprKind::Attribute && callee.isUndefined() && !calleeExpr.name.empty()) {
        const Value object = eval(*calleeExpr.children[0], scope);
        fail("call of undefined method '" + calleeExpr.name + "' on a value of type " + typeName(object));
    }
    fail("cannot call a value of type " + typeName(callee));
}

Value Interpreter::member(const Value& object, const Value& key)
{
    if (object.isAttributeContainer()) {
        if (!key.isString())
            fail("cannot look up a value of type " + typeName(key) + " key in a value of type " + typeName(object));
        if (const Value* v = object.dict->find(key.text)) return *v;
        return object.kind == Kind::Dict ? memberOf(object, key.text) : Value{};
    }
    if (object.isList() || object.isString()) {
        if (key.kind == Kind::Int) {
            if (object.isList()) {
                const auto n = static_cast<int64_t>(object.list->items.size());
                const int64_t i = key.integer < 0 ? key.integer + n : key.integer;
                return i >= 0 && i < n ? object.list->items[static_cast<size_t>(i)] : Value{};
            }
            const auto chars = text::characters(object.text);
            const auto n = static_cast<int64_t>(chars.size());
            const int64_t i = key.integer < 0 ? key.integer + n : key.integer;
            return i >= 0 && i < n ? Value::fromString(std::string(chars[static_cast<size_t>(i)])) : Value{};
        }
        if (key.isString()) return memberOf(object, key.text);
        fail("cannot index a value of type " + typeName(object) + " with a value of type " + typeName(key));
    }
    if (!key.isString())
        fail("cannot index a value of type " + typeName(object) + " with a value of type " + typeName(key));
    return memberOf(object, key.text);
}

Value Interpreter::evalSlice(const Expr& expr, const ScopePtr& scope)
{
    const Value object = eval(*expr.children[0], scope);
    if (!object.isList() && !object.isString()) fail("cannot slice a value of type " + typeName(object));
    std::optional<int64_t> parts[3];
    for (int i = 0; i < 3; ++i) {
        if (!expr.children[static_cast<size_t>(i) + 1]) continue;
        const Value v = eval(*expr.children[static_cast<size_t>(i) + 1], scope);
        if (v.isUndefined()) continue;
        if (v.kind != Kind::Int) fail("slice bounds must be integers, not " + typeName(v));
        parts[i] = v.integer;
    }
    std::vector<std::string_view> chars;
    if (object.isString()) chars = text::characters(object.text);
    const auto n = static_cast<int64_t>(object.isList() ? object.list->items.size() : chars.size());
    const int64_t step = parts[2].value_or(1);
    int64_t start;
    int64_t stop;
    if (step >= 0) {
        start = parts[0].value_or(0);
        start = start < 0 ? std::max<int64_t>(n + start, 0) : std::min(start, n);
        stop = parts[1].value_or(n);
        stop = stop < 0 ? std::max<int64_t>(n + stop, 0) : std::min(stop, n);
    } else {
        start = parts[0].value_or(n - 1);
        start = start < 0 ? std::max<int64_t>(n + start, -1) : std::min(start, n - 1);
        stop = parts[1].value_or(-1);
        stop = stop < -1 ? std::max<int64_t>(n + stop, -1) : std::min(stop, n - 1);
    }
    std::vector<size_t> picked;
    // A zero step selects nothing, as in the peer. The loops compare the distance left with the step rather than
    // adding first, so a step near the int64 limits cannot overflow past the end.
    if (step > 0)
        for (int64_t i = start; i<stop; i = stop - i> step ? i + step : stop) picked.push_back(static_cast<size_t>(i));
    else if (step < 0)
        for (int64_t i = start; i > stop; i = i - stop > -(step + 1) ? i + step : stop)
            picked.push_back(static_cast<size_t>(i));
    if (object.isList()) {
        std::vector<Value> items;
        for (size_t i : picked) items.push_back(object.list->items[i]);
        chargeElements(items.size());
        return Value::makeList(std::move(items));
    }
    std::string out;
    for (size_t i : picked) out += chars[i];
    return Value::fromString(std::move(out));
}

}  // namespace lathe::tokenize::jinja
