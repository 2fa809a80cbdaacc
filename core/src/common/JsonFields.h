#pragma once
// Typed reads of one JSON object's fields. Every failure is a Corrupt error worded by the caller, so each file
// format names its own file, key and remedy. Required reads fail on a missing field; reads with a fallback
// return it when the field is missing or null. A value of the wrong type is always an error that names the field
// (with its path, for readers of nested objects) and quotes the value found.

#include "lathe/common/Result.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lathe {

class JsonFields {
public:
    // The message for `field` failing with `what` ("is missing", "must be a string, got 3", ...). `field` is the
    // path from the object the first reader was made for: "linears", "quantization.bit_mode".
    using Describe = std::function<std::string(const std::string& field, const std::string& what)>;

    // Keeps a reference to `json`: it must outlive this reader.
    JsonFields(const nlohmann::json& json, Describe describe);

    Error bad(const std::string& field, const std::string& what) const;
    // Present and not null.
    bool present(const std::string& field) const;

    // Required fields.
    Result<const nlohmann::json*> member(const std::string& field) const;
    Result<std::string> string(const std::string& field) const;
    Result<bool> boolean(const std::string& field) const;
    Result<double> number(const std::string& field) const;
    Result<int64_t> integer(const std::string& field) const;
    Result<int64_t> integer(const std::string& field, int64_t lo, int64_t hi) const;
    Result<uint64_t> unsignedInteger(const std::string& field) const;

    // Optional fields: `fallback` when missing or null.
    Result<std::string> string(const std::string& field, const std::string& fallback) const;
    Result<bool> boolean(const std::string& field, bool fallback) const;
    Result<double> number(const std::string& field, double fallback) const;
    // An integer that fits an int; required when `fallback` is nullopt.
    Result<int> int32(const std::string& field, std::optional<int> fallback) const;
    Result<std::vector<std::string>> strings(const std::string& field, std::vector<std::string> fallback) const;
    Result<std::map<std::string, int>> intMap(const std::string& field, std::map<std::string, int> fallback) const;

    // A nested object read by its own reader, whose errors name fields as "<field>.<name>". A missing or null
    // field reads as an empty object; another type is an error ("must be an object").
    Result<JsonFields> object(const std::string& field) const;

    // A string field that must be one of an enum's spellings (`names`), read with the enum's own parser (e.g.
    // quant::parseBitMode). Errors: those of string(), and Corrupt naming the value and the accepted spellings.
    template <typename E>
    Result<E> enumeration(const std::string& field, std::optional<E> (*parse)(std::string_view),
                          const std::vector<std::string>& names) const
    {
        auto text = string(field);
        if (!text) return text.error();
        if (auto value = parse(*text)) return *value;
        std::string list;
        for (const auto& name : names) list += (list.empty() ? "" : ", ") + name;
        return bad(field, "is \"" + *text + "\", not one of " + list);
    }

private:
    const nlohmann::json* value(const std::string& field) const;  // nullptr when missing or null
    Error wrongType(const std::string& field, const nlohmann::json& value, const std::string& expected) const;

    const nlohmann::json& m_json;
    Describe m_describe;
};

}  // namespace lathe

// Assigns a successful read to `dst`; otherwise returns its error from the enclosing function.
#define LATHE_READ_FIELD(dst, expr) LATHE_ASSIGN(dst, expr)
