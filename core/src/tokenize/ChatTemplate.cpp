#include "lathe/tokenize/ChatTemplate.h"

#include "tokenize/jinja/JinjaInterpreter.h"
#include "tokenize/jinja/JinjaParser.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <new>

namespace lathe::tokenize {

using namespace jinja;

struct ChatTemplate::Program {
    std::string name;
    jinja::Program program;
};

namespace {

Error toError(const std::string& name, const JinjaError& e)
{
    std::string place = name;
    if (e.line > 0) place += ":" + std::to_string(e.line) + ":" + std::to_string(e.column);
    return makeError(e.code, place + ": " + e.message);
}

// ordered_json: the template sees members in the order the context lists them, as JavaScript's objects do.
Value fromJson(const nlohmann::ordered_json& j, int depth)
{
    if (depth > kMaxValueDepth) fail("the context nests more than " + std::to_string(kMaxValueDepth) + " levels deep");
    switch (j.type()) {
        case nlohmann::ordered_json::value_t::null:
            return Value::none();
        case nlohmann::ordered_json::value_t::boolean:
            return Value::fromBool(j.get<bool>());
        case nlohmann::ordered_json::value_t::number_integer:
            return Value::fromInt(j.get<int64_t>());
        case nlohmann::ordered_json::value_t::number_unsigned: {
            const auto u = j.get<uint64_t>();
            return u <= static_cast<uint64_t>(INT64_MAX) ? Value::fromInt(static_cast<int64_t>(u))
                                                         : Value::fromFloat(static_cast<double>(u));
        }
        case nlohmann::ordered_json::value_t::number_float: {
            // JavaScript has one number type: a float with an integral value is an integer to the peer.
            const double d = j.get<double>();
            if (std::isfinite(d) && d == std::trunc(d) && std::fabs(d) < 9.007199254740992e15)
                return Value::fromInt(static_cast<int64_t>(d));
            return Value::fromFloat(d);
        }
        case nlohmann::ordered_json::value_t::string:
            return Value::fromString(j.get<std::string>());
        case nlohmann::ordered_json::value_t::array: {
            std::vector<Value> items;
            items.reserve(j.size());
            for (const auto& item : j) items.push_back(fromJson(item, depth + 1));
            return Value::makeList(std::move(items));
        }
        case nlohmann::ordered_json::value_t::object: {
            Dict dict;
            for (const auto& [key, value] : j.items()) dict.set(key, fromJson(value, depth + 1));
            return Value::makeDict(std::move(dict));
        }
        default:
            return Value{};
    }
}

}  // namespace

ChatTemplate::ChatTemplate(std::unique_ptr<Program> program) : m_program(std::move(program)) {}
ChatTemplate::ChatTemplate(ChatTemplate&&) noexcept = default;
ChatTemplate& ChatTemplate::operator=(ChatTemplate&&) noexcept = default;
ChatTemplate::~ChatTemplate() = default;

Result<ChatTemplate> ChatTemplate::parse(std::string_view source, std::string name)
{
    try {
        auto program = std::make_unique<Program>();
        program->program = parseTemplate(source);
        program->name = std::move(name);
        return ChatTemplate(std::move(program));
    } catch (const JinjaError& e) {
        return toError(name, e);
    } catch (const std::bad_alloc&) {
        return makeError(ErrorCode::InvalidArgument, name + ": out of memory while parsing the template");
    } catch (const std::exception& e) {
        return makeError(ErrorCode::Internal, name + ": " + e.what());
    }
}

Result<std::string> ChatTemplate::render(std::string_view contextJson) const
{
    const std::string& name = m_program->name;
    try {
        const auto context = nlohmann::ordered_json::parse(contextJson);
        if (!context.is_object())
            return makeError(ErrorCode::InvalidArgument, name + ": the render context must be a JSON object");
        Interpreter interpreter;
        auto globals = std::make_shared<Scope>();
        interpreter.installGlobals(*globals);
        for (const auto& [key, value] : context.items()) globals->vars[key] = fromJson(value, 0);
        return interpreter.render(m_program->program, globals);
    } catch (const JinjaError& e) {
        return toError(name, e);
    } catch (const nlohmann::json::exception& e) {
        return makeError(ErrorCode::InvalidArgument, name + ": the render context is not valid JSON: " + e.what());
    } catch (const std::bad_alloc&) {
        return makeError(ErrorCode::InvalidArgument, name + ": out of memory while rendering the template");
    } catch (const std::exception& e) {
        return makeError(ErrorCode::Internal, name + ": " + e.what());
    }
}

}  // namespace lathe::tokenize
