#pragma once
// Filters, tests and methods: the operations a template reaches by name.

#include "tokenize/jinja/JinjaValue.h"

#include <string>
#include <string_view>

namespace lathe::tokenize::jinja {

bool isKnownFilter(std::string_view name);
bool isKnownTest(std::string_view name);

Value applyFilter(Interpreter& interpreter, const std::string& name, const Value& operand, const CallArgs& args);
bool applyTest(const std::string& name, const Value& operand, const CallArgs& args);

// obj.name for strings, lists and dicts: a property (length) or a bound method; undefined when there is none.
Value memberOf(const Value& object, const std::string& name);
bool isDictMethod(const std::string& name);
Value dictMethod(const Value& dict, const std::string& name, const CallArgs& args);

}  // namespace lathe::tokenize::jinja
