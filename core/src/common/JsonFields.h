#pragma once
// Typed reads of one JSON object's fields. Every failure is a Corrupt error worded by the caller, so each file
// format names its own file, key and remedy.

#include "lathe/common/Result.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <string>

namespace lathe {

class JsonFields {
public:
    // The message for `field` failing with `what` ("is missing", "must be a string", ...).
    using Describe = std::function<std::string(const std::string& field, const std::string& what)>;

    // Keeps a reference to `json`: it must outlive this reader.
    JsonFields(const nlohmann::json& json, Describe describe);

    Error bad(const std::string& field, const std::string& what) const;
    Result<const nlohmann::json*> member(const std::string& field) const;
    Result<std::string> string(const std::string& field) const;
    Result<bool> boolean(const std::string& field) const;
    Result<double> number(const std::string& field) const;
    Result<int64_t> integer(const std::string& field) const;
    Result<int64_t> integer(const std::string& field, int64_t lo, int64_t hi) const;
    Result<uint64_t> unsignedInteger(const std::string& field) const;

private:
    const nlohmann::json& m_json;
    Describe m_describe;
};

}  // namespace lathe

// Assigns a successful read to `dst`; otherwise returns its error from the enclosing function.
#define LATHE_READ_FIELD(dst, expr)                     \
    do {                                                \
        auto lathe_field_ = (expr);                     \
        if (!lathe_field_) return lathe_field_.error(); \
        dst = std::move(lathe_field_).value();          \
    } while (0)
