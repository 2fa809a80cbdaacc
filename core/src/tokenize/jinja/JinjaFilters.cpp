// Jinja filters: `x | name(args)`. Where the peer defines a filter, its behaviour is the reference; the others
// (select, batch, center, ...) follow Python Jinja.
#include "tokenize/jinja/JinjaBuiltins.h"
#include "tokenize/jinja/JinjaInterpreter.h"
#include "tokenize/jinja/JinjaText.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>

namespace lathe::tokenize::jinja {

namespace {

constexpr std::array<std::string_view, 42> kFilters{
    "safe",     "tojson", "default", "d",         "length",     "count",      "list",   "first",  "last",
    "reverse",  "sort",   "join",    "string",    "unique",     "upper",      "lower",  "title",  "capitalize",
    "trim",     "indent", "int",     "float",     "abs",        "round",      "items",  "keys",   "values",
    "dictsort", "get",    "bool",    "map",       "selectattr", "rejectattr", "select", "reject", "replace",
    "escape",   "e",      "batch",   "wordcount", "center",     "truncate"};

[[noreturn]] void wrongType(const std::string& filter, const Value& v)
{
    fail("filter '" + filter + "' cannot be applied to a value of type " + typeName(v));
}

bool flag(const Value* v, const std::string& filter, const char* what)
{
    if (!v || v->isUndefined()) return false;
    if (v->kind != Kind::Bool) fail("filter '" + filter + "': " + what + " must be a boolean");
    return v->boolean;
}

// A dotted path ("a.b.0") into dicts and lists, as sort(attribute=) and map(attribute=) take it.
Value attributePath(const Value& item, const std::string& path)
{
    Value v = item;
    size_t start = 0;
    while (start <= path.size()) {
        const size_t dot = path.find('.', start);
        const std::string part = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
        if (v.isAttributeContainer()) {
            const Value* next = v.dict->find(part);
            if (!next) return Value{};
            v = *next;
        } else if (v.isList()) {
            char* end = nullptr;
            const long long i = std::strtoll(part.c_str(), &end, 10);
            if (part.empty() || *end != '\0' || i < 0 || static_cast<size_t>(i) >= v.list->items.size()) return Value{};
            v = v.list->items[static_cast<size_t>(i)];
        } else {
            return Value{};
        }
        if (dot == std::string::npos) break;
        start = dot + 1;
    }
    return v;
}

// JavaScript's parseInt(s, 10) and parseFloat(s): the longest numeric prefix after leading whitespace.
std::optional<double> parseNumberPrefix(std::string_view s, bool integer)
{
    s = text::trim(s, true, false);
    size_t i = 0;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (!integer && s.substr(i, 8) == "Infinity") return s[0] == '-' ? -HUGE_VAL : HUGE_VAL;
    const size_t digitsStart = i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
    size_t mantissaDigits = i - digitsStart;
    if (!integer) {
        if (i < s.size() && s[i] == '.') {
            size_t j = i + 1;
            while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) ++j;
            mantissaDigits += j - i - 1;
            i = j;
        }
        if (mantissaDigits > 0 && i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
            size_t j = i + 1;
            if (j < s.size() && (s[j] == '+' || s[j] == '-')) ++j;
            const size_t expStart = j;
            while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) ++j;
            if (j > expStart) i = j;
        }
    }
    if (mantissaDigits == 0) return std::nullopt;
    return std::strtod(std::string(s.substr(0, i)).c_str(), nullptr);
}

Value toInt(const Value& v, const CallArgs& args, const std::string& name)
{
    switch (v.kind) {
        case Kind::Int:
            return v;
        case Kind::Float:
            if (!std::isfinite(v.real) || std::fabs(v.real) >= 9.2e18) fail("filter 'int': the number is out of range");
            return Value::fromInt(static_cast<int64_t>(std::trunc(v.real)));
        case Kind::Bool:
            return Value::fromInt(v.boolean ? 1 : 0);
        case Kind::String: {
            const auto parsed = parseNumberPrefix(v.text, true);
            if (!parsed) {
                const Value* fallback = args.get(0, "default");
                return fallback ? *fallback : Value::fromInt(0);
            }
            if (std::fabs(*parsed) >= 9.2e18) return Value::fromFloat(*parsed);
            return Value::fromInt(static_cast<int64_t>(*parsed));
        }
        default:
            wrongType(name, v);
    }
}

Value toFloat(const Value& v, const CallArgs& args, const std::string& name)
{
    switch (v.kind) {
        case Kind::Int:
        case Kind::Float:
        case Kind::Bool:
            return Value::fromFloat(v.asDouble());
        case Kind::String: {
            const auto parsed = parseNumberPrefix(v.text, false);
            if (!parsed) {
                const Value* fallback = args.get(0, "default");
                return fallback ? *fallback : Value::fromFloat(0);
            }
            return Value::fromFloat(*parsed);
        }
        default:
            wrongType(name, v);
    }
}

std::string htmlEscape(std::string_view s)
{
    std::string out;
    for (char c : s) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&#34;";
                break;
            case '\'':
                out += "&#39;";
                break;
            default:
                out += c;
        }
    }
    return out;
}

Value tojson(Interpreter& interp, const Value& v, const CallArgs& args)
{
    JsonOptions options;
    if (const Value* indent = args.get(0, "indent"); indent && !indent->isNone() && !indent->isUndefined()) {
        if (indent->kind != Kind::Int) fail("filter 'tojson': indent must be an integer");
        if (indent->integer > 1024) fail("filter 'tojson': indent is too large");
        options.indent = indent->integer;
    }
    options.ensureAscii = flag(args.kw("ensure_ascii"), "tojson", "ensure_ascii");
    options.sortKeys = flag(args.kw("sort_keys"), "tojson", "sort_keys");
    if (const Value* sep = args.kw("separators"); sep && !sep->isNone()) {
        if (!sep->isList() || sep->list->items.size() != 2 || !sep->list->items[0].isString() ||
            !sep->list->items[1].isString())
            fail("filter 'tojson': separators must be a tuple of two strings");
        options.separators = std::make_pair(sep->list->items[0].text, sep->list->items[1].text);
    }
    std::string out = toJson(v, options);
    interp.checkText(out.size());
    return Value::fromString(std::move(out));
}

Value indentFilter(Interpreter& interp, const Value& v, const CallArgs& args)
{
    if (!v.isString()) wrongType("indent", v);
    std::string unit = "    ";
    if (const Value* width = args.get(0, "width")) {
        if (width->isString()) {
            unit = width->text;
        } else if (width->kind == Kind::Int) {
            if (width->integer > 4096) fail("filter 'indent': width is too large");
            unit = std::string(static_cast<size_t>(std::max<int64_t>(0, width->integer)), ' ');
        } else {
            fail("filter 'indent': width must be an integer or a string");
        }
    }
    const bool first = args.get(1, "first") && truthy(*args.get(1, "first"));
    const bool blank = args.get(2, "blank") && truthy(*args.get(2, "blank"));
    std::string out;
    size_t start = 0;
    for (size_t line = 0;; ++line) {
        const size_t nl = v.text.find('\n', start);
        const std::string_view part =
            std::string_view(v.text).substr(start, nl == std::string::npos ? std::string::npos : nl - start);
        if (line > 0) out += '\n';
        if ((first || line > 0) && (blank || !part.empty())) out += unit;
        out += part;
        interp.checkText(out.size());
        if (nl == std::string::npos) break;
        start = nl + 1;
    }
    return Value::fromString(std::move(out));
}

Value sortFilter(const Value& v, const CallArgs& args)
{
    if (!v.isList()) wrongType("sort", v);
    const bool reverse = flag(args.get(0, "reverse"), "sort", "reverse");
    const bool caseSensitive = flag(args.get(1, "case_sensitive"), "sort", "case_sensitive");
    std::optional<std::string> attribute;
    if (const Value* a = args.get(2, "attribute"); a && !a->isNone()) {
        if (a->isString())
            attribute = a->text;
        else if (a->kind == Kind::Int)
            attribute = std::to_string(a->integer);
        else
            fail("filter 'sort': attribute must be a string or an integer");
    }
    std::vector<Value> items = v.list->items;
    std::stable_sort(items.begin(), items.end(), [&](const Value& a, const Value& b) {
        const int c = attribute
                          ? compareValues(attributePath(a, *attribute), attributePath(b, *attribute), caseSensitive)
                          : compareValues(a, b, caseSensitive);
        return reverse ? c > 0 : c < 0;
    });
    return Value::makeList(std::move(items));
}

Value selectFilter(const std::string& name, const Value& v, const CallArgs& args)
{
    if (!v.isList()) wrongType(name, v);
    const bool byAttribute = name == "selectattr" || name == "rejectattr";
    const bool keep = name == "select" || name == "selectattr";
    size_t next = 0;
    std::string attribute;
    if (byAttribute) {
        if (args.positional.empty() || !args.positional[0].isString())
            fail("filter '" + name + "' takes an attribute name");
        attribute = args.positional[0].text;
        next = 1;
    }
    std::string test;
    if (args.positional.size() > next) {
        if (!args.positional[next].isString()) fail("filter '" + name + "': the test name must be a string");
        test = args.positional[next].text;
        if (!isKnownTest(test)) fail("test '" + test + "' is not supported", ErrorCode::Unsupported);
    }
    CallArgs testArgs;
    testArgs.positional.assign(
        args.positional.begin() + static_cast<std::ptrdiff_t>(std::min(args.positional.size(), next + 1)),
        args.positional.end());
    std::vector<Value> out;
    for (const Value& item : v.list->items) {
        bool result = false;
        if (byAttribute) {
            if (!item.isAttributeContainer()) fail("filter '" + name + "' can only be applied to a list of dicts");
            // Like the peer: an item without the attribute fails every test.
            const Value* attr = item.dict->find(attribute);
            result = attr && (test.empty() ? truthy(*attr) : applyTest(test, *attr, testArgs));
        } else {
            result = test.empty() ? truthy(item) : applyTest(test, item, testArgs);
        }
        if (result == keep) out.push_back(item);
    }
    return Value::makeList(std::move(out));
}

Value mapFilter(Interpreter& interp, const Value& v, const CallArgs& args)
{
    if (!v.isList()) wrongType("map", v);
    std::vector<Value> out;
    if (const Value* attribute = args.kw("attribute")) {
        if (!attribute->isString()) fail("filter 'map': attribute must be a string");
        const Value* fallback = args.kw("default");
        for (const Value& item : v.list->items) {
            if (!item.isAttributeContainer()) fail("filter 'map' with attribute= needs a list of dicts");
            Value value = attributePath(item, attribute->text);
            out.push_back(value.isUndefined() && fallback ? *fallback : value);
        }
        return Value::makeList(std::move(out));
    }
    if (args.positional.empty() || !args.positional[0].isString())
        fail("filter 'map' takes attribute= or the name of a filter");
    const std::string filter = args.positional[0].text;
    if (!isKnownFilter(filter)) fail("filter '" + filter + "' is not supported", ErrorCode::Unsupported);
    CallArgs rest;
    rest.positional.assign(args.positional.begin() + 1, args.positional.end());
    rest.keyword = args.keyword;
    for (const Value& item : v.list->items) out.push_back(interp.filter(filter, item, rest));
    return Value::makeList(std::move(out));
}

Value truncateFilter(const Value& v, const CallArgs& args)
{
    if (!v.isString()) wrongType("truncate", v);
    auto intArg = [&](size_t i, const char* name, int64_t fallback) {
        const Value* a = args.get(i, name);
        if (!a) return fallback;
        if (a->kind != Kind::Int) fail(std::string("filter 'truncate': ") + name + " must be an integer");
        return a->integer;
    };
    const int64_t length = intArg(0, "length", 255);
    const bool killwords = args.get(1, "killwords") && truthy(*args.get(1, "killwords"));
    const Value* endArg = args.get(2, "end");
    const std::string end = endArg && endArg->isString() ? endArg->text : "...";
    const int64_t leeway = intArg(3, "leeway", 5);
    const auto chars = text::characters(v.text);
    const auto n = static_cast<int64_t>(chars.size());
    if (length < 0 || leeway < 0) fail("filter 'truncate': length and leeway must not be negative");
    if (n <= length || n - length <= leeway) return v;
    const int64_t keep = std::max<int64_t>(0, length - static_cast<int64_t>(text::length(end)));
    std::string head;
    for (int64_t i = 0; i < keep && i < n; ++i) head += chars[static_cast<size_t>(i)];
    if (!killwords) {
        const size_t space = head.rfind(' ');
        if (space != std::string::npos) head.resize(space);
    }
    return Value::fromString(head + end);
}

}  // namespace

bool isKnownFilter(std::string_view name)
{
    return std::find(kFilters.begin(), kFilters.end(), name) != kFilters.end();
}

Value applyFilter(Interpreter& interp, const std::string& name, const Value& v, const CallArgs& args)
{
    if (name == "safe") return v;
    if (name == "tojson") return tojson(interp, v, args);
    if (name == "default" || name == "d") {
        const Value* fallback = args.get(0, "default_value");
        const bool boolean = flag(args.get(1, "boolean"), name, "boolean");
        if (v.isUndefined() || (boolean && !truthy(v))) return fallback ? *fallback : Value::fromString({});
        return v;
    }
    if (name == "length" || name == "count") {
        if (v.isString()) return Value::fromInt(static_cast<int64_t>(text::length(v.text)));
        if (v.isList()) return Value::fromInt(static_cast<int64_t>(v.list->items.size()));
        if (v.isMapping()) return Value::fromInt(static_cast<int64_t>(v.dict->size()));
        wrongType(name, v);
    }
    if (name == "list") {
        if (v.isList()) return v.tuple ? Value::makeList(v.list->items) : v;
        if (v.isMapping()) return dictMethod(v, "keys", {});
        if (v.isString()) {
            std::vector<Value> chars;
            for (std::string_view c : text::characters(v.text)) chars.push_back(Value::fromString(std::string(c)));
            interp.chargeElements(chars.size());
            return Value::makeList(std::move(chars));
        }
        wrongType(name, v);
    }
    if (name == "first" || name == "last") {
        if (v.isList()) {
            if (v.list->items.empty()) return Value{};
            return name == "first" ? v.list->items.front() : v.list->items.back();
        }
        if (v.isString()) {
            const auto chars = text::characters(v.text);
            if (chars.empty()) return Value{};
            return Value::fromString(std::string(name == "first" ? chars.front() : chars.back()));
        }
        wrongType(name, v);
    }
    if (name == "reverse") {
        if (v.isList()) return Value::makeList({v.list->items.rbegin(), v.list->items.rend()});
        if (v.isString()) {
            auto chars = text::characters(v.text);
            std::string out;
            for (auto it = chars.rbegin(); it != chars.rend(); ++it) out += *it;
            return Value::fromString(std::move(out));
        }
        wrongType(name, v);
    }
    if (name == "sort") return sortFilter(v, args);
    if (name == "join") {
        const Value* sep = args.get(0, "d");
        if (!sep) sep = args.kw("separator");
        if (sep && !sep->isString()) fail("filter 'join': the separator must be a string");
        const std::string separator = sep ? sep->text : "";
        const Value* attribute = args.get(1, "attribute");
        std::string out;
        if (v.isString()) {
            const auto chars = text::characters(v.text);
            for (size_t i = 0; i < chars.size(); ++i) out += (i ? separator : "") + std::string(chars[i]);
        } else if (v.isList()) {
            for (size_t i = 0; i < v.list->items.size(); ++i) {
                Value item = v.list->items[i];
                if (attribute && attribute->isString()) item = attributePath(item, attribute->text);
                if (i) out += separator;
                // JavaScript's Array.prototype.join: null and undefined join as empty text.
                if (!item.isNone() && !item.isUndefined()) out += concatText(item);
                interp.checkText(out.size());
            }
        } else {
            wrongType(name, v);
        }
        interp.checkText(out.size());
        return Value::fromString(std::move(out));
    }
    if (name == "string") {
        if (v.isUndefined() || v.kind == Kind::Function) wrongType(name, v);
        if (v.isNone()) return Value::fromString("None");
        return Value::fromString(printValue(v));
    }
    if (name == "unique") {
        if (!v.isList()) wrongType(name, v);
        std::vector<Value> out;
        for (const Value& item : v.list->items) {
            const bool seen = std::any_of(out.begin(), out.end(), [&](const Value& o) {
                return (o.kind == item.kind || (o.isNumber() && item.isNumber())) && valuesEqual(o, item) &&
                       (!o.isList() || o.list == item.list) && (!o.isAttributeContainer() || o.dict == item.dict);
            });
            if (!seen) out.push_back(item);
        }
        return Value::makeList(std::move(out));
    }
    if (name == "upper" || name == "lower" || name == "title" || name == "capitalize") {
        if (!v.isString()) wrongType(name, v);
        CallArgs none;
        CallSite site{interp, nullptr};
        return memberOf(v, name).function->call(none, site);
    }
    if (name == "trim") {
        if (!v.isString()) wrongType(name, v);
        const Value* chars = args.get(0, "chars");
        if (chars && chars->isString())
            return Value::fromString(std::string(text::stripChars(v.text, chars->text, true, true)));
        return Value::fromString(std::string(text::trim(v.text, true, true)));
    }
    if (name == "indent") return indentFilter(interp, v, args);
    if (name == "int") return toInt(v, args, name);
    if (name == "float") return toFloat(v, args, name);
    if (name == "abs") {
        if (v.kind == Kind::Int)
            return v.integer == INT64_MIN ? Value::fromFloat(-static_cast<double>(v.integer))
                                          : Value::fromInt(std::llabs(v.integer));
        if (v.kind == Kind::Float) return Value::fromFloat(std::fabs(v.real));
        wrongType(name, v);
    }
    if (name == "round") {
        if (!v.isNumber()) wrongType(name, v);
        const Value* precision = args.get(0, "precision");
        const Value* method = args.get(1, "method");
        const int64_t digits = precision && precision->kind == Kind::Int ? precision->integer : 0;
        const std::string how = method && method->isString() ? method->text : "common";
        if (how != "common" && how != "ceil" && how != "floor")
            fail("filter 'round': method must be 'common', 'ceil' or 'floor'");
        if (v.kind == Kind::Int && how == "common" && digits >= 0) return v;
        const double scale = std::pow(10.0, static_cast<double>(std::clamp<int64_t>(digits, -300, 300)));
        const double x = v.asDouble() * scale;
        // Python rounds half to even; the decimal representation of most halves makes that rarely matter.
        const double r = how == "ceil" ? std::ceil(x) : how == "floor" ? std::floor(x) : std::nearbyint(x);
        return Value::fromFloat(r / scale);
    }
    if (name == "items" || name == "keys" || name == "values" || name == "dictsort" || name == "get") {
        if (!v.isMapping()) wrongType(name, v);
        return dictMethod(v, name, args);
    }
    if (name == "bool") {
        if (v.kind != Kind::Bool) wrongType(name, v);
        return v;
    }
    if (name == "map") return mapFilter(interp, v, args);
    if (name == "select" || name == "reject" || name == "selectattr" || name == "rejectattr")
        return selectFilter(name, v, args);
    if (name == "replace") {
        if (!v.isString()) wrongType(name, v);
        CallArgs copy = args;
        CallSite site{interp, nullptr};
        return memberOf(v, "replace").function->call(copy, site);
    }
    if (name == "escape" || name == "e") {
        if (v.isString()) return Value::fromString(htmlEscape(v.text));
        return Value::fromString(htmlEscape(printValue(v)));
    }
    if (name == "batch") {
        if (!v.isList()) wrongType(name, v);
        const Value* size = args.get(0, "linecount");
        if (!size || size->kind != Kind::Int || size->integer <= 0) fail("filter 'batch' takes a positive size");
        const Value* fill = args.get(1, "fill_with");
        std::vector<Value> out;
        std::vector<Value> row;
        for (const Value& item : v.list->items) {
            row.push_back(item);
            if (static_cast<int64_t>(row.size()) == size->integer)
                out.push_back(Value::makeList(std::exchange(row, {})));
        }
        if (!row.empty()) {
            if (fill && !fill->isNone())
                while (static_cast<int64_t>(row.size()) < size->integer) row.push_back(*fill);
            out.push_back(Value::makeList(std::move(row)));
        }
        interp.chargeElements(v.list->items.size());
        return Value::makeList(std::move(out));
    }
    if (name == "wordcount") {
        if (!v.isString()) wrongType(name, v);
        int64_t count = 0;
        bool inWord = false;
        for (char c : v.text) {
            const auto u = static_cast<unsigned char>(c);
            const bool word = std::isalnum(u) || c == '_' || u >= 0x80;
            if (word && !inWord) ++count;
            inWord = word;
        }
        return Value::fromInt(count);
    }
    if (name == "center") {
        if (!v.isString()) wrongType(name, v);
        const Value* width = args.get(0, "width");
        const int64_t w = width && width->kind == Kind::Int ? width->integer : 80;
        if (w > (1 << 20)) fail("filter 'center': width is too large");
        const auto n = static_cast<int64_t>(text::length(v.text));
        if (w <= n) return v;
        // Python's str.center puts the odd space on the left when the width is odd.
        const int64_t total = w - n;
        const int64_t left = total / 2 + (total & w & 1);
        return Value::fromString(std::string(static_cast<size_t>(left), ' ') + v.text +
                                 std::string(static_cast<size_t>(total - left), ' '));
    }
    if (name == "truncate") return truncateFilter(v, args);
    fail("filter '" + name + "' is not supported", ErrorCode::Unsupported);
}

}  // namespace lathe::tokenize::jinja
