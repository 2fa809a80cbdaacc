#include "common/JsonFields.h"

namespace lathe {

JsonFields::JsonFields(const nlohmann::json& json, Describe describe) : m_json(json), m_describe(std::move(describe)) {}

Error JsonFields::bad(const std::string& field, const std::string& what) const
{
    return makeError(ErrorCode::Corrupt, m_describe(field, what));
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
    if (!(*v)->is_string()) return bad(field, "must be a string");
    return (*v)->get<std::string>();
}

Result<bool> JsonFields::boolean(const std::string& field) const
{
    auto v = member(field);
    if (!v) return v.error();
    if (!(*v)->is_boolean()) return bad(field, "must be true or false");
    return (*v)->get<bool>();
}

Result<double> JsonFields::number(const std::string& field) const
{
    auto v = member(field);
    if (!v) return v.error();
    if (!(*v)->is_number()) return bad(field, "must be a number");
    return (*v)->get<double>();
}

Result<int64_t> JsonFields::integer(const std::string& field) const
{
    auto v = member(field);
    if (!v) return v.error();
    if (!(*v)->is_number_integer()) return bad(field, "must be an integer");
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
    if (!(*v)->is_number_unsigned()) return bad(field, "must be a non-negative integer");
    return (*v)->get<uint64_t>();
}

}  // namespace lathe
