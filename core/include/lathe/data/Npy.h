#pragma once

#include "lathe/common/Result.h"

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

namespace lathe::data {

// NumPy .npy files holding little-endian float32 arrays in C order: what the calibration samples
// (inputs_embeds_<i>.npy, shape [1, seq_len, hidden]) are stored as.
struct NpyArray {
    std::vector<std::int64_t> shape;  // empty for a 0-d scalar
    std::vector<float> data;          // C order, product(shape) values
};

// The header NumPy 1.24 writes for `shape` (dict, growth padding, spaces, '\n'), without magic/version/length.
std::string npyHeaderText(std::span<const std::int64_t> shape);

// Writes format 1.0 (or 2.0 when the header needs more than 65535 bytes) to a temporary name and renames it
// over `path`, so readers never see a half-written file. Errors: InvalidArgument (negative dimension or
// data.size() != product(shape)), Io/NotFound (naming the path).
Result<void> writeNpy(const std::filesystem::path& path, std::span<const std::int64_t> shape,
                      std::span<const float> data);

// Reads format 1.0/2.0/3.0 files whose descr is '<f4' and fortran_order is False. Errors: NotFound, Io,
// Corrupt (bad magic, malformed header, truncated or oversized data), Unsupported (other dtypes, big-endian,
// Fortran order, other format versions) — each naming the file.
Result<NpyArray> readNpy(const std::filesystem::path& path);

}  // namespace lathe::data
