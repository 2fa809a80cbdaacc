#pragma once
// The values a Jinja template computes with. Containers are shared (like Python objects), so that a namespace
// assigned through one name is seen through every other.

#include "lathe/common/Error.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace lathe::tokenize::jinja {

// Thrown inside the engine and turned into a lathe::Error at the ChatTemplate boundary. line == 0 means "not yet
// placed": the innermost node that sees the error gives it its position.
struct JinjaError {
    ErrorCode code = ErrorCode::InvalidArgument;
    std::string message;
    int line = 0;
    int column = 0;
};

[[noreturn]] void fail(std::string message, ErrorCode code = ErrorCode::InvalidArgument);

enum class Kind : uint8_t { Undefined, None, Bool, Int, Float, String, List, Dict, Namespace, Function };

struct Value;
class Dict;
struct Function;

// Containers deeper than this are refused when built, so that printing, comparing and destroying them cannot
// exhaust the stack.
inline constexpr int kMaxValueDepth = 512;

struct List {
    std::vector<Value> items;
    int depth = 1;
};

struct Value {
    Kind kind = Kind::Undefined;
    bool tuple = false;  // a list written as a tuple; prints and behaves as a list
    bool boolean = false;
    int64_t integer = 0;
    double real = 0;
    std::string text;
    std::shared_ptr<List> list;
    std::shared_ptr<Dict> dict;  // Dict and Namespace
    std::shared_ptr<Function> function;

    static Value none();
    static Value fromBool(bool b);
    static Value fromInt(int64_t i);
    static Value fromFloat(double d);
    static Value fromString(std::string s);
    static Value makeList(std::vector<Value> items, bool tuple = false);
    static Value makeDict(Dict d);
    static Value makeNamespace(Dict d);
    static Value makeFunction(std::string name, std::function<Value(struct CallArgs&, struct CallSite&)> fn);

    bool isUndefined() const { return kind == Kind::Undefined; }
    bool isNone() const { return kind == Kind::None; }
    bool isString() const { return kind == Kind::String; }
    bool isList() const { return kind == Kind::List; }
    bool isNumber() const { return kind == Kind::Int || kind == Kind::Float; }
    bool isNumericLike() const { return isNumber() || kind == Kind::Bool; }
    bool isMapping() const { return kind == Kind::Dict; }
    bool isAttributeContainer() const { return kind == Kind::Dict || kind == Kind::Namespace; }
    double asDouble() const;  // for Int, Float and Bool
    int depth() const;
};

// A dict that keeps insertion order, as Python's and JavaScript's maps do.
class Dict {
public:
    const Value* find(const std::string& key) const;
    Value* find(const std::string& key);
    void set(const std::string& key, Value value);
    bool contains(const std::string& key) const { return m_index.count(key) != 0; }
    size_t size() const { return m_entries.size(); }
    bool empty() const { return m_entries.empty(); }
    const std::vector<std::pair<std::string, Value>>& entries() const { return m_entries; }
    void clear();
    int depth = 1;

private:
    std::vector<std::pair<std::string, Value>> m_entries;
    std::unordered_map<std::string, size_t> m_index;
};

struct CallArgs {
    std::vector<Value> positional;
    std::vector<std::pair<std::string, Value>> keyword;
    const Value* kw(std::string_view name) const;
    // The argument at `index`, else the keyword `name`, else nullptr.
    const Value* get(size_t index, std::string_view name) const;
};

class Interpreter;

struct CallSite {
    Interpreter& interpreter;
    const Value* caller = nullptr;  // the body of a {% call %} block, for the macro it calls
};

struct Function {
    std::string name;
    std::function<Value(CallArgs&, CallSite&)> call;
};

bool truthy(const Value& v);
// Names the type in error messages.
std::string typeName(const Value& v);
// How {{ value }} prints.
std::string printValue(const Value& v);
// How `~`, `+` and join turn a value into text: the peer uses JavaScript's String(value) there, so 1.0 is "1".
std::string concatText(const Value& v);
// JavaScript's Number.prototype.toString.
std::string jsNumber(double d);

struct JsonOptions {
    std::optional<int64_t> indent;
    bool ensureAscii = false;
    bool sortKeys = false;
    std::optional<std::pair<std::string, std::string>> separators;
    bool undefinedAsNull = true;  // printing a container shows undefined members as `undefined`
};
std::string toJson(const Value& v, const JsonOptions& options, int depth = 0);
std::string jsonQuote(std::string_view s, bool ensureAscii);

bool valuesEqual(const Value& a, const Value& b, int depth = 0);
// Ordering for sort/dictsort: numbers (and booleans) with numbers, strings with strings; anything else throws.
int compareValues(const Value& a, const Value& b, bool caseSensitive);

}  // namespace lathe::tokenize::jinja
