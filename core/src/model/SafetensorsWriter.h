#pragma once
// Private to core: exposes libtorch types.

#include "lathe/common/Result.h"

#include <ATen/ATen.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace lathe::model {

using NamedTensors = std::vector<std::pair<std::string, at::Tensor>>;

// One tensor of a header whose data is written separately (streamed writers).
struct SafetensorsHeaderEntry {
    std::string name;
    std::string dtype;  // "F32", "I8", ...
    std::vector<int64_t> shape;
    uint64_t bytes = 0;
};

// The safetensors name of a libtorch dtype ("F32", "BF16", "I8", ...); nullptr when the format has none.
const char* safetensorsDtypeName(at::ScalarType type);

// The 8-byte little-endian length and the JSON header, padded with spaces to a multiple of 8 bytes, for tensors
// laid out back to back in the given order right after it. Errors: InvalidArgument for a duplicate or reserved name.
Result<std::string> safetensorsHeader(const std::vector<SafetensorsHeaderEntry>& entries,
                                      const std::map<std::string, std::string>& metadata = {});

// The complete bytes of a safetensors file: tensors laid out in the given order, header padded with
// spaces to a multiple of 8 bytes so the data section starts aligned, as the format recommends.
// Errors: InvalidArgument for a dtype safetensors has no name for or a duplicate name.
Result<std::string> serializeSafetensors(const NamedTensors& tensors,
                                         const std::map<std::string, std::string>& metadata = {});

// Writes serializeSafetensors() to `path` atomically (temporary name, then rename).
Result<void> writeSafetensors(const std::string& path, const NamedTensors& tensors,
                              const std::map<std::string, std::string>& metadata = {});

}  // namespace lathe::model
