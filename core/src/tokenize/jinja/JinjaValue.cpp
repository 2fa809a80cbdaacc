#include "tokenize/jinja/JinjaValue.h"

#include "tokenize/jinja/JinjaText.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

namespace lathe::tokenize::jinja {

void fail(std::string message, ErrorCode code)
{
    throw JinjaError{code, std::move(message), 0, 0};
}

namespace {

int checkedDepth(int childDepth)
{
    if (childDepth + 1 > kMaxValueDepth)
        fail("values nest more than " + std::to_string(kMaxValueDepth) + " levels deep");
    return childDepth + 1;
}

}  // namespace

Value Value::none()
{
    Value v;
    v.kind = Kind::None;
    return v;
}

Value Value::fromBool(bool b)
{
    Value v;
    v.kind = Kind::Bool;
    v.boolean = b;
    return v;
}

Value Value::fromInt(int64_t i)
{
    Value v;
    v.kind = Kind::Int;
    v.integer = i;
    return v;
}

Value Value::fromFloat(double d)
{
    Value v;
    v.kind = Kind::Float;
    v.real = d;
    return v;
}

Value Value::fromString(std::string s)
{
    Value v;
    v.kind = Kind::String;
    v.text = std::move(s);
    return v;
}

Value Value::makeList(std::vector<Value> items, bool tuple)
{
    int childDepth = 0;
    for (const Value& item : items) childDepth = std::max(childDepth, item.depth());
    Value v;
    v.kind = Kind::List;
    v.tuple = tuple;
    v.list = std::make_shared<List>(List{std::move(items), checkedDepth(childDepth)});
    return v;
}

Value Value::makeDict(Dict d)
{
    int childDepth = 0;
    for (const auto& entry : d.entries()) childDepth = std::max(childDepth, entry.second.depth());
    d.depth = checkedDepth(childDepth);
    Value v;
    v.kind = Kind::Dict;
    v.dict = std::make_shared<Dict>(std::move(d));
    return v;
}

Value Value::makeNamespace(Dict d)
{
    Value v = makeDict(std::move(d));
    v.kind = Kind::Namespace;
    return v;
}

Value Value::makeFunction(std::string name, std::function<Value(CallArgs&, CallSite&)> fn)
{
    Value v;
    v.kind = Kind::Function;
    v.function = std::make_shared<Function>(Function{std::move(name), std::move(fn)});
    return v;
}

double Value::asDouble() const
{
    return kind == Kind::Float ? real : kind == Kind::Int ? static_cast<double>(integer) : boolean ? 1.0 : 0.0;
}

int Value::depth() const
{
    if (kind == Kind::List) return list->depth;
    if (kind == Kind::Dict || kind == Kind::Namespace) return dict->depth;
    return 0;
}

const Value* Dict::find(const std::string& key) const
{
    const auto it = m_index.find(key);
    return it == m_index.end() ? nullptr : &m_entries[it->second].second;
}

Value* Dict::find(const std::string& key)
{
    const auto it = m_index.find(key);
    return it == m_index.end() ? nullptr : &m_entries[it->second].second;
}

void Dict::set(const std::string& key, Value value)
{
    // A namespace can be made to hold itself; its depth then only grows, which is all the guard needs.
    depth = std::max(depth, value.depth() + 1);
    if (Value* existing = find(key)) {
        *existing = std::move(value);
        return;
    }
    m_index.emplace(key, m_entries.size());
    m_entries.emplace_back(key, std::move(value));
}

void Dict::clear()
{
    m_entries.clear();
    m_index.clear();
}

const Value* CallArgs::kw(std::string_view name) const
{
    for (const auto& [key, value] : keyword)
        if (key == name) return &value;
    return nullptr;
}

const Value* CallArgs::get(size_t index, std::string_view name) const
{
    if (index < positional.size()) return &positional[index];
    return kw(name);
}

bool truthy(const Value& v)
{
    switch (v.kind) {
        case Kind::Undefined:
        case Kind::None:
            return false;
        case Kind::Bool:
            return v.boolean;
        case Kind::Int:
            return v.integer != 0;
        case Kind::Float:
            return v.real != 0 && !std::isnan(v.real);
        case Kind::String:
            return !v.text.empty();
        case Kind::List:
            return !v.list->items.empty();
        case Kind::Dict:
            return !v.dict->empty();
        case Kind::Namespace:
        case Kind::Function:
            return true;
    }
    return false;
}

std::string typeName(const Value& v)
{
    switch (v.kind) {
        case Kind::Undefined:
            return "undefined";
        case Kind::None:
            return "none";
        case Kind::Bool:
            return "boolean";
        case Kind::Int:
            return "integer";
        case Kind::Float:
            return "float";
        case Kind::String:
            return "string";
        case Kind::List:
            return v.tuple ? "tuple" : "list";
        case Kind::Dict:
            return "dict";
        case Kind::Namespace:
            return "namespace";
        case Kind::Function:
            return "function";
    }
    return "value";
}

std::string jsNumber(double d)
{
    if (std::isnan(d)) return "NaN";
    if (std::isinf(d)) return d < 0 ? "-Infinity" : "Infinity";
    if (d == 0) return "0";
    char buf[64];
    const auto res = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
    const std::string sci(buf, res.ptr);
    const size_t e = sci.find('e');
    std::string mantissa = sci.substr(0, e);
    const int exponent = std::stoi(sci.substr(e + 1));
    std::string sign;
    if (mantissa[0] == '-') {
        sign = "-";
        mantissa.erase(0, 1);
    }
    std::string digits;
    for (char c : mantissa)
        if (c != '.') digits += c;
    const int k = static_cast<int>(digits.size());
    const int n = exponent + 1;  // where the decimal point goes, counted from the first digit
    if (k <= n && n <= 21) return sign + digits + std::string(static_cast<size_t>(n - k), '0');
    if (0 < n && n <= 21)
        return sign + digits.substr(0, static_cast<size_t>(n)) + "." + digits.substr(static_cast<size_t>(n));
    if (-6 < n && n <= 0) return sign + "0." + std::string(static_cast<size_t>(-n), '0') + digits;
    std::string out = sign + digits.substr(0, 1);
    if (k > 1) out += "." + digits.substr(1);
    out += n - 1 >= 0 ? "e+" : "e-";
    out += std::to_string(std::abs(n - 1));
    return out;
}

namespace {

std::string printFloat(double d)
{
    if (d == 0 && std::signbit(d)) return "-0.0";
    if (std::isfinite(d) && d == std::trunc(d) && std::fabs(d) < 1e21) {
        char buf[400];
        std::snprintf(buf, sizeof buf, "%.1f", d);
        return buf;
    }
    return jsNumber(d);
}

}  // namespace

std::string printValue(const Value& v)
{
    switch (v.kind) {
        case Kind::Undefined:
        case Kind::None:
            return {};
        case Kind::Bool:
            return v.boolean ? "true" : "false";
        case Kind::Int:
            return std::to_string(v.integer);
        case Kind::Float:
            return printFloat(v.real);
        case Kind::String:
            return v.text;
        case Kind::List:
        case Kind::Dict:
        case Kind::Namespace: {
            JsonOptions options;
            options.undefinedAsNull = false;
            return toJson(v, options);
        }
        case Kind::Function:
            return "[function " + v.function->name + "]";
    }
    return {};
}

std::string concatText(const Value& v)
{
    switch (v.kind) {
        case Kind::Undefined:
            return "undefined";
        case Kind::None:
            return "null";
        case Kind::Float:
            return jsNumber(v.real);
        default:
            return printValue(v);
    }
}

std::string jsonQuote(std::string_view s, bool ensureAscii)
{
    static const char* hex = "0123456789abcdef";
    std::string out = "\"";
    auto unit = [&](unsigned u) {
        out += "\\u";
        for (int shift = 12; shift >= 0; shift -= 4) out += hex[(u >> shift) & 0xF];
    };
    size_t pos = 0;
    while (pos < s.size()) {
        const size_t start = pos;
        const char32_t c = text::next(s, pos);
        switch (c) {
            case '"':
                out += "\\\"";
                continue;
            case '\\':
                out += "\\\\";
                continue;
            case '\b':
                out += "\\b";
                continue;
            case '\f':
                out += "\\f";
                continue;
            case '\n':
                out += "\\n";
                continue;
            case '\r':
                out += "\\r";
                continue;
            case '\t':
                out += "\\t";
                continue;
            default:
                break;
        }
        if (c < 0x20) {
            unit(c);
        } else if (ensureAscii && c >= 0x7F) {
            if (c >= 0x10000) {
                const char32_t v = c - 0x10000;
                unit(0xD800 + (v >> 10));
                unit(0xDC00 + (v & 0x3FF));
            } else {
                unit(c);
            }
        } else {
            out += s.substr(start, pos - start);
        }
    }
    out += '"';
    return out;
}

std::string toJson(const Value& v, const JsonOptions& options, int depth)
{
    if (depth > kMaxValueDepth) fail("value nests too deeply to convert to JSON");
    std::string itemSep = ", ";
    std::string keySep = ": ";
    const bool indenting = options.indent && *options.indent != 0;
    if (options.separators) {
        itemSep = options.separators->first;
        keySep = options.separators->second;
    } else if (indenting) {
        itemSep = ",";
    }
    switch (v.kind) {
        case Kind::None:
            return "null";
        case Kind::Undefined:
            return options.undefinedAsNull ? "null" : "undefined";
        case Kind::Bool:
            return v.boolean ? "true" : "false";
        case Kind::Int:
            return std::to_string(v.integer);
        case Kind::Float:
            return std::isfinite(v.real) ? jsNumber(v.real) : "null";
        case Kind::String:
            return jsonQuote(v.text, options.ensureAscii);
        case Kind::Function:
            fail("cannot convert a function to JSON");
        case Kind::List:
        case Kind::Dict:
        case Kind::Namespace:
            break;
    }
    const std::string unit =
        indenting && *options.indent > 0 ? std::string(static_cast<size_t>(*options.indent), ' ') : "";
    std::string base = "\n";
    for (int i = 0; i < depth; ++i) base += unit;
    const std::string children = base + unit;
    std::string out;
    if (v.kind == Kind::List) {
        const auto& items = v.list->items;
        if (!indenting || items.empty()) {
            out = "[";
            for (size_t i = 0; i < items.size(); ++i) {
                if (i) out += itemSep;
                out += toJson(items[i], options, depth + 1);
            }
            return out + "]";
        }
        out = "[" + children;
        for (size_t i = 0; i < items.size(); ++i) {
            if (i) out += itemSep + children;
            out += toJson(items[i], options, depth + 1);
        }
        return out + base + "]";
    }
    std::vector<const std::pair<std::string, Value>*> entries;
    for (const auto& entry : v.dict->entries()) entries.push_back(&entry);
    if (options.sortKeys)
        std::stable_sort(entries.begin(), entries.end(), [](auto* a, auto* b) { return a->first < b->first; });
    out = "{";
    for (size_t i = 0; i < entries.size(); ++i) {
        if (i) out += itemSep;
        if (indenting) out += children;
        out +=
            jsonQuote(entries[i]->first, options.ensureAscii) + keySep + toJson(entries[i]->second, options, depth + 1);
    }
    if (indenting && !entries.empty()) out += base;
    return out + "}";
}

bool valuesEqual(const Value& a, const Value& b, int depth)
{
    if (depth > kMaxValueDepth) fail("values nest too deeply to compare");
    if (a.isNumericLike() && b.isNumericLike()) {
        if (a.kind == Kind::Int && b.kind == Kind::Int) return a.integer == b.integer;
        return a.asDouble() == b.asDouble();
    }
    // The peer compares with JavaScript's ==, under which null and undefined are equal.
    const bool aAbsent = a.isNone() || a.isUndefined();
    const bool bAbsent = b.isNone() || b.isUndefined();
    if (aAbsent || bAbsent) return aAbsent && bAbsent;
    if (a.kind != b.kind) return false;
    switch (a.kind) {
        case Kind::String:
            return a.text == b.text;
        case Kind::List: {
            if (a.list == b.list) return true;
            if (a.list->items.size() != b.list->items.size()) return false;
            for (size_t i = 0; i < a.list->items.size(); ++i)
                if (!valuesEqual(a.list->items[i], b.list->items[i], depth + 1)) return false;
            return true;
        }
        case Kind::Dict: {
            if (a.dict == b.dict) return true;
            if (a.dict->size() != b.dict->size()) return false;
            for (const auto& [key, value] : a.dict->entries()) {
                const Value* other = b.dict->find(key);
                if (!other || !valuesEqual(value, *other, depth + 1)) return false;
            }
            return true;
        }
        case Kind::Namespace:
            return a.dict == b.dict;
        case Kind::Function:
            return a.function == b.function;
        default:
            return false;
    }
}

int compareValues(const Value& a, const Value& b, bool caseSensitive)
{
    if (a.isNone() && b.isNone()) return 0;
    if (a.isUndefined() && b.isUndefined()) return 0;
    if (a.isNone() || b.isNone() || a.isUndefined() || b.isUndefined())
        fail("cannot compare " + typeName(a) + " with " + typeName(b));
    if (a.isNumericLike() && b.isNumericLike()) {
        const double x = a.asDouble();
        const double y = b.asDouble();
        return x < y ? -1 : x > y ? 1 : 0;
    }
    if (a.kind != b.kind) fail("cannot compare different types: " + typeName(a) + " and " + typeName(b));
    if (a.kind != Kind::String) fail("cannot compare values of type " + typeName(a));
    if (caseSensitive) return a.text < b.text ? -1 : a.text > b.text ? 1 : 0;
    const std::string x = text::toLower(a.text);
    const std::string y = text::toLower(b.text);
    return x < y ? -1 : x > y ? 1 : 0;
}

}  // namespace lathe::tokenize::jinja
