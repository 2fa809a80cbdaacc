#pragma once
// Private to core: exposes libtorch types.

#include <ATen/ATen.h>

#include <string>

namespace lathe {

// "[2, 3]" — shapes in error messages.
std::string shapeText(at::IntArrayRef shape);

}  // namespace lathe
