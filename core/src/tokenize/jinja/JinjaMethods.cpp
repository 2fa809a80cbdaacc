// Methods and properties of strings and dicts: s.strip(), d.items(), xs.length, ...
#include "tokenize/jinja/JinjaBuiltins.h"
#include "tokenize/jinja/JinjaText.h"

#include <algorithm>

namespace lathe::tokenize::jinja {

namespace {

// Methods run outside the interpreter's accounting, so those that can multiply text check the size they would
// build first, against the same bound as any one string (Limits::maxTextBytes).
constexpr size_t kMaxBuiltBytes = 64u << 20;

void checkBuilt(long double bytes, const std::string& method)
{
    if (bytes > static_cast<long double>(kMaxBuiltBytes))
        fail(method + "() would build more than " + std::to_string(kMaxBuiltBytes >> 20) + " MiB of text");
}

std::string stringArg(const Value* v, const std::string& method, const char* what)
{
    if (!v || !v->isString()) fail(method + "() " + what + " must be a string");
    return v->text;
}

long long optionalInt(const Value* v, const std::string& method, const char* what, long long fallback)
{
    if (!v || v->isNone() || v->isUndefined()) return fallback;
    if (v->kind != Kind::Int) fail(method + "() " + what + " must be an integer");
    return v->integer;
}

Value stringList(const std::vector<std::string>& parts)
{
    std::vector<Value> items;
    items.reserve(parts.size());
    for (const std::string& p : parts) items.push_back(Value::fromString(p));
    return Value::makeList(std::move(items));
}

bool matchesAffix(const std::string& s, const Value* pattern, bool prefix, const std::string& method)
{
    auto test = [&](const std::string& p) {
        if (p.size() > s.size()) return false;
        return prefix ? s.compare(0, p.size(), p) == 0 : s.compare(s.size() - p.size(), p.size(), p) == 0;
    };
    if (!pattern) fail(method + "() takes at least one argument");
    if (pattern->isString()) return test(pattern->text);
    if (pattern->isList()) {
        for (const Value& item : pattern->list->items) {
            if (!item.isString()) fail(method + "() tuple elements must be strings");
            if (test(item.text)) return true;
        }
        return false;
    }
    fail(method + "() argument must be a string or a tuple of strings");
}

Value stringMethod(const std::string& s, const std::string& name, const CallArgs& args)
{
    if (name == "upper") return Value::fromString(text::toUpper(s));
    if (name == "lower") return Value::fromString(text::toLower(s));
    if (name == "title") return Value::fromString(text::titleCase(s));
    if (name == "capitalize") return Value::fromString(text::capitalize(s));
    if (name == "strip" || name == "lstrip" || name == "rstrip") {
        const bool left = name != "rstrip";
        const bool right = name != "lstrip";
        const Value* chars = args.get(0, "chars");
        if (!chars || chars->isNone() || chars->isUndefined())
            return Value::fromString(std::string(text::trim(s, left, right)));
        return Value::fromString(std::string(text::stripChars(s, stringArg(chars, name, "chars"), left, right)));
    }
    if (name == "startswith") return Value::fromBool(matchesAffix(s, args.get(0, "prefix"), true, name));
    if (name == "endswith") return Value::fromBool(matchesAffix(s, args.get(0, "suffix"), false, name));
    if (name == "split" || name == "rsplit") {
        const Value* sep = args.get(0, "sep");
        const long long maxSplit = optionalInt(args.get(1, "maxsplit"), name, "maxsplit", -1);
        if (!sep || sep->isNone() || sep->isUndefined())
            return stringList(name == "split" ? text::splitWhitespace(s, maxSplit)
                                              : text::rsplitWhitespace(s, maxSplit));
        const std::string separator = stringArg(sep, name, "sep");
        if (separator.empty()) fail(name + "() separator must not be empty");
        return stringList(name == "split" ? text::split(s, separator, maxSplit) : text::rsplit(s, separator, maxSplit));
    }
    if (name == "replace") {
        if (args.positional.size() < 2) fail("replace() takes at least two arguments");
        const std::string from = stringArg(&args.positional[0], name, "old");
        const std::string to = stringArg(&args.positional[1], name, "new");
        const long long count = optionalInt(args.get(2, "count"), name, "count", -1);
        long double hits = 0;
        if (from.empty()) {
            hits = static_cast<long double>(text::length(s)) + 1;
        } else {
            for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + from.size())) ++hits;
        }
        if (count >= 0) hits = std::min<long double>(hits, static_cast<long double>(count));
        checkBuilt(static_cast<long double>(s.size()) + hits * static_cast<long double>(to.size()), name);
        return Value::fromString(text::replace(s, from, to, count));
    }
    if (name == "find" || name == "count") {
        const std::string needle = stringArg(args.get(0, "sub"), name, "argument");
        if (name == "count") {
            if (needle.empty()) return Value::fromInt(static_cast<int64_t>(text::length(s)) + 1);
            int64_t n = 0;
            for (size_t at = s.find(needle); at != std::string::npos; at = s.find(needle, at + needle.size())) ++n;
            return Value::fromInt(n);
        }
        const size_t at = s.find(needle);
        return Value::fromInt(at == std::string::npos ? -1 : static_cast<int64_t>(text::length(s.substr(0, at))));
    }
    if (name == "join") {
        const Value* items = args.get(0, "iterable");
        if (!items || !items->isList()) fail("join() takes a list");
        long double bytes = static_cast<long double>(s.size()) * static_cast<long double>(items->list->items.size());
        for (const Value& item : items->list->items) bytes += static_cast<long double>(item.text.size());
        checkBuilt(bytes, name);
        std::string out;
        for (size_t i = 0; i < items->list->items.size(); ++i) {
            if (i) out += s;
            const Value& item = items->list->items[i];
            if (!item.isString()) fail("join() list items must be strings, not " + typeName(item));
            out += item.text;
        }
        return Value::fromString(std::move(out));
    }
    fail("strings have no method '" + name + "'");
}

bool isStringMethod(const std::string& name)
{
    static const char* const kNames[] = {"upper",  "lower",   "title",      "capitalize", "strip",
                                         "lstrip", "rstrip",  "startswith", "endswith",   "split",
                                         "rsplit", "replace", "find",       "count",      "join"};
    return std::any_of(std::begin(kNames), std::end(kNames), [&](const char* n) { return name == n; });
}

}  // namespace

Value dictMethod(const Value& dict, const std::string& name, const CallArgs& args)
{
    const Dict& d = *dict.dict;
    if (name == "get") {
        const Value* key = args.get(0, "key");
        if (!key || !key->isString()) fail("get() key must be a string, not " + (key ? typeName(*key) : "missing"));
        if (const Value* v = d.find(key->text)) return *v;
        const Value* fallback = args.get(1, "default");
        return fallback ? *fallback : Value::none();
    }
    if (name == "items" || name == "keys" || name == "values") {
        std::vector<Value> out;
        for (const auto& [key, value] : d.entries()) {
            if (name == "items")
                out.push_back(Value::makeList({Value::fromString(key), value}));
            else
                out.push_back(name == "keys" ? Value::fromString(key) : value);
        }
        return Value::makeList(std::move(out));
    }
    if (name == "dictsort") {
        const Value* caseSensitive = args.get(0, "case_sensitive");
        const Value* by = args.get(1, "by");
        const Value* reverse = args.get(2, "reverse");
        if (caseSensitive && caseSensitive->kind != Kind::Bool) fail("dictsort() case_sensitive must be a boolean");
        if (by && (!by->isString() || (by->text != "key" && by->text != "value")))
            fail("dictsort() by must be 'key' or 'value'");
        if (reverse && reverse->kind != Kind::Bool) fail("dictsort() reverse must be a boolean");
        const bool cs = caseSensitive && caseSensitive->boolean;
        const size_t index = by && by->text == "value" ? 1 : 0;
        const bool rev = reverse && reverse->boolean;
        std::vector<Value> pairs;
        for (const auto& [key, value] : d.entries()) pairs.push_back(Value::makeList({Value::fromString(key), value}));
        std::stable_sort(pairs.begin(), pairs.end(), [&](const Value& a, const Value& b) {
            const int c = compareValues(a.list->items[index], b.list->items[index], cs);
            return rev ? c > 0 : c < 0;
        });
        return Value::makeList(std::move(pairs));
    }
    fail("dicts have no method '" + name + "'");
}

bool isDictMethod(const std::string& name)
{
    return name == "get" || name == "items" || name == "keys" || name == "values" || name == "dictsort";
}

Value memberOf(const Value& object, const std::string& name)
{
    if (object.isString()) {
        if (name == "length") return Value::fromInt(static_cast<int64_t>(text::length(object.text)));
        if (!isStringMethod(name)) return Value{};
        const std::string s = object.text;
        return Value::makeFunction(name, [s, name](CallArgs& args, CallSite&) { return stringMethod(s, name, args); });
    }
    if (object.isList()) {
        if (name == "length") return Value::fromInt(static_cast<int64_t>(object.list->items.size()));
        return Value{};
    }
    if (object.isMapping() && isDictMethod(name)) {
        const Value self = object;
        return Value::makeFunction(name,
                                   [self, name](CallArgs& args, CallSite&) { return dictMethod(self, name, args); });
    }
    return Value{};
}

}  // namespace lathe::tokenize::jinja
