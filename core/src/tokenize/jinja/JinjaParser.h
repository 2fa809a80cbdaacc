#pragma once

#include "tokenize/jinja/JinjaAst.h"

#include <string_view>

namespace lathe::tokenize::jinja {

// Throws JinjaError (placed): Corrupt for malformed syntax, Unsupported for constructs the engine does not
// implement (include, extends, unknown filters and tests, ...).
Program parseTemplate(std::string_view source);

}  // namespace lathe::tokenize::jinja
