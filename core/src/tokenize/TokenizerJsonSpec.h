#pragma once
// Reading the parts of a tokenizer.json: typed accessors that name the JSON path of anything missing or
// mistyped. Loading code throws SpecError and the engine's load() turns it into an Error naming the file.

#include "lathe/common/Error.h"

#include <nlohmann/json.hpp>

#include <stdexcept>
#include <string>

namespace lathe::tokenize {

using Json = nlohmann::json;

class SpecError : public std::runtime_error {
public:
    SpecError(ErrorCode code, const std::string& message) : std::runtime_error(message), m_code(code) {}
    ErrorCode code() const { return m_code; }

private:
    ErrorCode m_code;
};

[[noreturn]] inline void failCorrupt(const std::string& path, const std::string& what)
{
    throw SpecError(ErrorCode::Corrupt, path + ": " + what);
}

// A component type (or option) Lathe does not implement; the message names it and where it is.
[[noreturn]] inline void failUnsupported(const std::string& path, const std::string& what)
{
    throw SpecError(ErrorCode::Unsupported, path + ": " + what + " is not supported by Lathe's tokenizer.json engine");
}

inline std::string childPath(const std::string& path, const std::string& key) { return path + "." + key; }
inline std::string childPath(const std::string& path, size_t index) { return path + "[" + std::to_string(index) + "]"; }

inline const Json& requireMember(const Json& object, const char* key, const std::string& path)
{
    if (!object.is_object()) failCorrupt(path, "expected a JSON object");
    const auto it = object.find(key);
    if (it == object.end()) failCorrupt(path, std::string("missing \"") + key + "\"");
    return *it;
}

inline std::string requireString(const Json& object, const char* key, const std::string& path)
{
    const Json& value = requireMember(object, key, path);
    if (!value.is_string()) failCorrupt(childPath(path, key), "expected a string");
    return value.get<std::string>();
}

inline const Json& requireArray(const Json& object, const char* key, const std::string& path)
{
    const Json& value = requireMember(object, key, path);
    if (!value.is_array()) failCorrupt(childPath(path, key), "expected an array");
    return value;
}

inline bool optionalBool(const Json& object, const char* key, bool fallback, const std::string& path)
{
    const auto it = object.find(key);
    if (it == object.end() || it->is_null()) return fallback;
    if (!it->is_boolean()) failCorrupt(childPath(path, key), "expected true or false");
    return it->get<bool>();
}

inline std::string typeOf(const Json& component, const std::string& path)
{
    return requireString(component, "type", path);
}

}  // namespace lathe::tokenize
