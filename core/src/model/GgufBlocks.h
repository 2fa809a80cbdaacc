#pragma once
// Private to core: exposes libtorch types.
// The ggml tensor types Lathe reads and writes: F32, F16, BF16 and the two block types whose arithmetic is
// Lathe's own grid with a float16 scale per 32 weights of a row:
//   Q8_0: d (float16), then 32 int8 q;            x = d · q
//   Q4_0: d (float16), then 16 bytes of nibbles;  x = d · (q − 8), q of weight j in the low nibble of byte j and
//         q of weight j + 16 in its high nibble.

#include "lathe/common/Result.h"

#include <ATen/ATen.h>

#include <cstdint>
#include <optional>
#include <string>

namespace lathe::model {

enum class GgmlType : uint32_t { F32 = 0, F16 = 1, Q4_0 = 2, Q8_0 = 8, BF16 = 30 };
inline constexpr int64_t kGgmlBlock = 32;  // weights per Q4_0 / Q8_0 block

// The type for a ggml type number Lathe handles; nullopt for the others.
std::optional<GgmlType> ggmlType(uint32_t number);
const char* toString(GgmlType type);  // "F32", "Q4_0", ...

// Bytes of `rows` rows of `cols` values; nullopt when a block type's row width is not a multiple of 32.
std::optional<uint64_t> ggmlBytes(GgmlType type, int64_t rows, int64_t cols);

// Lathe's integer weights as Q4_0 (codes in [-8, 7]) or Q8_0 (codes in [-128, 127]) blocks, exactly: codes int8
// [rows, cols] and scales fp32 [rows, cols / 32], each scale a float16 value. cols must be a multiple of 32.
// Throws std::invalid_argument when codes or scales do not fit the type (a caller checks them first).
std::string encodeGrid(const at::Tensor& codes, const at::Tensor& scales, GgmlType type);

// fp32 rows [rows, cols] as `type`, rounded the way llama.cpp's reference quantizers round (quantize_row_q4_0_ref,
// quantize_row_q8_0_ref; F16 and BF16 to nearest, ties to even), so a Lathe file and llama.cpp's own quantization
// of the same weights agree byte for byte.
std::string encodeRounded(const at::Tensor& rows, GgmlType type);

// The values of `rows` x `cols` stored as `type` at `data` (ggmlBytes bytes), as fp32 [rows, cols].
at::Tensor decodeRows(const uint8_t* data, GgmlType type, int64_t rows, int64_t cols);

// Whether every element of `scales` (fp32) is exactly a finite float16 value.
bool scalesAreHalf(const at::Tensor& scales);

}  // namespace lathe::model
