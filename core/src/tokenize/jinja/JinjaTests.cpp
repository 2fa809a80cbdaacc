// Jinja tests: `x is defined`, `n is divisibleby 3`, ...
#include "tokenize/jinja/JinjaBuiltins.h"
#include "tokenize/jinja/JinjaText.h"

#include <array>
#include <cmath>

namespace lathe::tokenize::jinja {

namespace {

constexpr std::array<std::string_view, 33> kTests{
    "defined",  "undefined", "none",   "string", "number", "integer", "float",       "mapping",  "iterable",
    "sequence", "boolean",   "true",   "false",  "odd",    "even",    "divisibleby", "equalto",  "eq",
    "==",       "ne",        "!=",     "lt",     "gt",     "le",      "ge",          "callable", "upper",
    "lower",    "in",        "sameas", "filter", "test",   "escaped"};

const Value& requireArg(const CallArgs& args, const std::string& test)
{
    if (args.positional.empty()) fail("test '" + test + "' needs an argument");
    return args.positional[0];
}

bool ordered(const std::string& name, const Value& a, const Value& b)
{
    int c = 0;
    if (a.isString() && b.isString())
        c = a.text.compare(b.text);
    else if (a.isNumericLike() && b.isNumericLike())
        c = compareValues(a, b, true);
    else
        fail("test '" + name + "' cannot compare a value of type " + typeName(a) + " with a value of type " +
             typeName(b));
    if (name == "lt") return c < 0;
    if (name == "gt") return c > 0;
    if (name == "le") return c <= 0;
    return c >= 0;
}

}  // namespace

bool isKnownTest(std::string_view name)
{
    for (std::string_view t : kTests)
        if (t == name) return t != "filter" && t != "test" && t != "escaped";
    return false;
}

bool applyTest(const std::string& name, const Value& v, const CallArgs& args)
{
    if (name == "defined") return !v.isUndefined();
    if (name == "undefined") return v.isUndefined();
    if (name == "none") return v.isNone();
    if (name == "string") return v.isString();
    if (name == "number") return v.isNumber();
    if (name == "integer") return v.kind == Kind::Int;
    if (name == "float") return v.kind == Kind::Float;
    if (name == "boolean") return v.kind == Kind::Bool;
    if (name == "true") return v.kind == Kind::Bool && v.boolean;
    if (name == "false") return v.kind == Kind::Bool && !v.boolean;
    if (name == "mapping") return v.isMapping();
    // As in the peer: strings and lists are iterable; a dict is a sequence but not iterable.
    if (name == "iterable") return v.isList() || v.isString();
    if (name == "sequence") return v.isList() || v.isString() || v.isMapping();
    if (name == "callable") return v.kind == Kind::Function;
    if (name == "upper") return v.isString() && text::toUpper(v.text) == v.text;
    if (name == "lower") return v.isString() && text::toLower(v.text) == v.text;
    if (name == "odd" || name == "even") {
        if (v.kind != Kind::Int) fail("test '" + name + "' needs an integer, not a value of type " + typeName(v));
        return (v.integer % 2 != 0) == (name == "odd");
    }
    if (name == "divisibleby") {
        const Value& d = requireArg(args, name);
        if (!v.isNumber() || !d.isNumber()) fail("test 'divisibleby' needs numbers");
        if (d.asDouble() == 0) fail("test 'divisibleby' cannot divide by zero");
        if (v.kind == Kind::Int && d.kind == Kind::Int) return d.integer == -1 || v.integer % d.integer == 0;
        return std::fmod(v.asDouble(), d.asDouble()) == 0;
    }
    if (name == "equalto" || name == "eq" || name == "==") return valuesEqual(v, requireArg(args, name));
    if (name == "ne" || name == "!=") return !valuesEqual(v, requireArg(args, name));
    if (name == "lt" || name == "gt" || name == "le" || name == "ge") return ordered(name, v, requireArg(args, name));
    if (name == "sameas") {
        const Value& o = requireArg(args, name);
        if (v.kind != o.kind) return false;
        if (v.isList()) return v.list == o.list;
        if (v.isAttributeContainer()) return v.dict == o.dict;
        if (v.kind == Kind::Function) return v.function == o.function;
        return valuesEqual(v, o);
    }
    if (name == "in") {
        const Value& c = requireArg(args, name);
        if (c.isList()) {
            for (const Value& item : c.list->items)
                if (item.kind == v.kind || (item.isNumber() && v.isNumber()))
                    if (valuesEqual(item, v)) return true;
            return false;
        }
        if (c.isString() && v.isString()) return c.text.find(v.text) != std::string::npos;
        if (c.isMapping() && v.isString()) return c.dict->contains(v.text);
        fail("test 'in' cannot look for a value of type " + typeName(v) + " in a value of type " + typeName(c));
    }
    fail("test '" + name + "' is not supported", ErrorCode::Unsupported);
}

}  // namespace lathe::tokenize::jinja
