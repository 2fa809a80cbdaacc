#pragma once
// Private to core: exposes libtorch types.

#include "lathe/common/Result.h"

#include <ATen/ATen.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace lathe {

using NamedTensors = std::vector<std::pair<std::string, at::Tensor>>;

// The complete bytes of a safetensors file: tensors laid out in the given order, header padded with
// spaces to a multiple of 8 bytes so the data section starts aligned, as the format recommends.
// Errors: InvalidArgument for a dtype safetensors has no name for or a duplicate name.
Result<std::string> serializeSafetensors(const NamedTensors& tensors,
                                         const std::map<std::string, std::string>& metadata = {});

// Writes serializeSafetensors() to `path` atomically (temporary name, then rename).
Result<void> writeSafetensors(const std::string& path, const NamedTensors& tensors,
                              const std::map<std::string, std::string>& metadata = {});

}  // namespace lathe
