// The functions and constants every template sees.
#include "tokenize/jinja/JinjaInterpreter.h"

#include <cmath>
#include <ctime>

namespace lathe::tokenize::jinja {

namespace {

// The entries namespace() and dict() start from: a dict, or a list of [key, value] pairs, then the keywords.
Dict entriesOf(const CallArgs& args, const std::string& function)
{
    if (args.positional.size() > 1)
        fail(function + "() takes at most 1 positional argument, got " + std::to_string(args.positional.size()));
    Dict entries;
    if (args.positional.size() == 1) {
        const Value& source = args.positional[0];
        if (source.isMapping()) {
            for (const auto& [key, value] : source.dict->entries()) entries.set(key, value);
        } else if (source.isList()) {
            for (const Value& pair : source.list->items) {
                if (!pair.isList() || pair.list->items.size() != 2 || !pair.list->items[0].isString())
                    fail(function + "() takes a dict or a list of [key, value] pairs with string keys");
                entries.set(pair.list->items[0].text, pair.list->items[1]);
            }
        } else {
            fail(function + "() cannot read entries from a value of type " + typeName(source));
        }
    }
    for (const auto& [key, value] : args.keyword) entries.set(key, value);
    return entries;
}

int64_t intArg(const Value& v, const char* function)
{
    if (v.kind == Kind::Int) return v.integer;
    if (v.kind == Kind::Bool) return v.boolean ? 1 : 0;
    fail(std::string(function) + "() takes integers, not a value of type " + typeName(v));
}

Value strftimeNow(const std::string& format)
{
    if (format.size() > 4096) fail("strftime_now() format is too long");
    const std::time_t now = std::time(nullptr);
    std::tm local{};
    localtime_r(&now, &local);
    if (format.empty()) return Value::fromString({});
    // strftime returns 0 both for "too small" and for an empty result; a marker tells them apart.
    const std::string marked = format + "\x01";
    std::string buf(format.size() * 8 + 64, '\0');
    for (int attempt = 0; attempt < 4; ++attempt) {
        const size_t n = std::strftime(buf.data(), buf.size(), marked.c_str(), &local);
        if (n > 0) return Value::fromString(buf.substr(0, n - 1));
        buf.resize(buf.size() * 4);
    }
    fail("strftime_now() result is too long");
}

}  // namespace

void Interpreter::installGlobals(Scope& globals)
{
    globals.vars["true"] = Value::fromBool(true);
    globals.vars["false"] = Value::fromBool(false);
    globals.vars["none"] = Value::none();
    globals.vars["True"] = Value::fromBool(true);
    globals.vars["False"] = Value::fromBool(false);
    globals.vars["None"] = Value::none();

    globals.vars["raise_exception"] = Value::makeFunction("raise_exception", [](CallArgs& args, CallSite&) -> Value {
        const std::string message = args.positional.empty() ? std::string() : printValue(args.positional[0]);
        fail("raise_exception: " + message, ErrorCode::InvalidArgument);
    });
    globals.vars["strftime_now"] = Value::makeFunction("strftime_now", [](CallArgs& args, CallSite&) {
        const Value* format = args.get(0, "format");
        if (!format || !format->isString()) fail("strftime_now() takes a format string");
        return strftimeNow(format->text);
    });
    globals.vars["range"] = Value::makeFunction("range", [this](CallArgs& args, CallSite&) {
        const auto& p = args.positional;
        if (p.empty() || p.size() > 3) fail("range() takes 1 to 3 arguments");
        int64_t start = 0;
        int64_t stop = 0;
        int64_t step = 1;
        if (p.size() == 1) {
            stop = intArg(p[0], "range");
        } else {
            start = intArg(p[0], "range");
            stop = intArg(p[1], "range");
            if (p.size() == 3) step = intArg(p[2], "range");
        }
        if (step == 0) fail("range() step must not be zero");
        const long double span = (static_cast<long double>(stop) - start) / step;
        const auto count = span > 0 ? static_cast<uint64_t>(std::ceil(static_cast<double>(span))) : 0;
        chargeElements(count);
        std::vector<Value> items;
        items.reserve(count);
        // Stepping by addition stays inside [start, stop), so no intermediate product can overflow.
        int64_t value = start;
        for (uint64_t i = 0; i < count; ++i) {
            items.push_back(Value::fromInt(value));
            if (i + 1 < count) value += step;
        }
        return Value::makeList(std::move(items));
    });
    globals.vars["namespace"] = Value::makeFunction("namespace", [this](CallArgs& args, CallSite&) {
        Value ns = Value::makeNamespace(entriesOf(args, "namespace"));
        m_namespaces.push_back(ns.dict);
        return ns;
    });
    globals.vars["dict"] =
        Value::makeFunction("dict", [](CallArgs& args, CallSite&) { return Value::makeDict(entriesOf(args, "dict")); });
}

}  // namespace lathe::tokenize::jinja
