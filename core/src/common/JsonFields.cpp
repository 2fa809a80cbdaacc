#include "common/JsonFields.h"

#include <climits>

namespace lathe {

namespace {

// A value as it appears in the file, shortened so that a message stays one line.
std::string quoted(const nlohmann::json& value)
{
    std::string text = value.dump();
    if (text.size() > 40) {
        text.resize(37);
        text.append(3, '.');
    }
    return text;
}

}  // namespace

JsonFields::JsonFields(const nlohmann::json& json, Describe describe) : m_json(json), m_describe(std::move(describe)) {}

Error JsonFields::bad(const std::string& field, const std::string& what) const
{
    return makeError(ErrorCode::Corrupt, m_describe(field, what));
}

bool JsonFields::present(const std::string& field) const
{
    return value(field) != nullptr;
}

const nlohmann::json* JsonFields::value(const std::string& field) const
{
    if (!m_json.is_object()) return nullptr;
    const auto it = m_json.find(field);
    if (it == m_json.end() || it->is_null()) return nullptr;
    return &*it;
}

Error JsonFields::wrongType(const std::string& field, const nlohmann::json& value, const std::string& expected) const
{
    return bad(field, "must be " + expected + ", got " + quoted(value));
}

Result<const nlohmann::json*> JsonFields::member(const std::string& field) const
{
    if (!m_json.is_object() || !m_json.contains(field)) return bad(field, "is missing");
    return &m_json.at(field);
}

Result<std::string> JsonFields::string(const std::string& field) const
{
    auto v = member(field);
    if (!v) return v.error();
    if (!(*v)->is_string()) return wrongType(field, **v, "a string");
    return (*v)->get<std::string>();
}

Result<bool> JsonFields::boolean(const std::string& field) const
{
    auto v = member(field);
    if (!v) return v.error();
    if (!(*v)->is_boolean()) return wrongType(field, **v, "true or false");
    return (*v)->get<bool>();
}

Result<double> JsonFields::number(const std::string& field) const
{
    auto v = member(field);
    if (!v) return v.error();
    if (!(*v)->is_number()) return wrongType(field, **v, "a number");
    return (*v)->get<double>();
}

Result<int64_t> JsonFields::integer(const std::string& field) const
{
    auto v = member(field);
    if (!v) return v.error();
    if (!(*v)->is_number_integer()) return wrongType(field, **v, "an integer");
    return (*v)->get<int64_t>();
}

Result<int64_t> JsonFields::integer(const std::string& field, int64_t lo, int64_t hi) const
{
    auto x = integer(field);
    if (x && (*x < lo || *x > hi))
        return bad(field, "is " + std::to_string(*x) + ", outside " + std::to_string(lo) + ".." + std::to_string(hi));
    return x;
}

Result<uint64_t> JsonFields::unsignedInteger(const std::string& field) const
{
    auto v = member(field);
    if (!v) return v.error();
    if (!(*v)->is_number_unsigned()) return wrongType(field, **v, "a non-negative integer");
    return (*v)->get<uint64_t>();
}

Result<std::string> JsonFields::string(const std::string& field, const std::string& fallback) const
{
    const nlohmann::json* v = value(field);
    if (!v) return fallback;
    if (!v->is_string()) return wrongType(field, *v, "a string");
    return v->get<std::string>();
}

Result<bool> JsonFields::boolean(const std::string& field, bool fallback) const
{
    const nlohmann::json* v = value(field);
    if (!v) return fallback;
    if (!v->is_boolean()) return wrongType(field, *v, "true or false");
    return v->get<bool>();
}

Result<double> JsonFields::number(const std::string& field, double fallback) const
{
    const nlohmann::json* v = value(field);
    if (!v) return fallback;
    if (!v->is_number()) return wrongType(field, *v, "a number");
    return v->get<double>();
}

Result<int> JsonFields::int32(const std::string& field, std::optional<int> fallback) const
{
    const nlohmann::json* v = value(field);
    if (!v) {
        if (fallback) return *fallback;
        return bad(field, "is missing");
    }
    if (!v->is_number_integer()) return wrongType(field, *v, "an integer");
    if (v->is_number_unsigned() ? v->get<uint64_t>() > uint64_t(INT_MAX)
                                : (v->get<int64_t>() < INT_MIN || v->get<int64_t>() > INT_MAX))
        return bad(field, "is out of range: " + quoted(*v));
    return static_cast<int>(v->get<int64_t>());
}

Result<std::vector<std::string>> JsonFields::strings(const std::string& field, std::vector<std::string> fallback) const
{
    const nlohmann::json* v = value(field);
    if (!v) return fallback;
    if (!v->is_array()) return wrongType(field, *v, "a list of strings");
    std::vector<std::string> out;
    for (const auto& item : *v) {
        if (!item.is_string()) return wrongType(field, *v, "a list of strings");
        out.push_back(item.get<std::string>());
    }
    return out;
}

Result<std::map<std::string, int>> JsonFields::intMap(const std::string& field,
                                                      std::map<std::string, int> fallback) const
{
    const nlohmann::json* v = value(field);
    if (!v) return fallback;
    if (!v->is_object()) return wrongType(field, *v, "an object of integers");
    std::map<std::string, int> out;
    for (const auto& [key, item] : v->items()) {
        if (!item.is_number_integer() || item.get<int64_t>() < INT_MIN || item.get<int64_t>() > INT_MAX)
            return bad(field + "." + key, "must be an integer, got " + quoted(item));
        out[key] = static_cast<int>(item.get<int64_t>());
    }
    return out;
}

Result<JsonFields> JsonFields::object(const std::string& field) const
{
    static const nlohmann::json empty = nlohmann::json::object();
    const nlohmann::json* v = value(field);
    if (v && !v->is_object()) return bad(field, "must be an object");
    Describe outer = m_describe;
    return JsonFields(v ? *v : empty, [outer, field](const std::string& name, const std::string& what) {
        return outer(field + "." + name, what);
    });
}

}  // namespace lathe
