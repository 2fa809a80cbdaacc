#include "quant/Int4Packing.h"

#include <string>

namespace lathe::quant {

Result<at::Tensor> packInt4(const at::Tensor& codes)
{
    if (!codes.defined() || codes.scalar_type() != at::kChar || codes.dim() == 0)
        return makeError(ErrorCode::InvalidArgument, "int4 packing needs an int8 tensor of codes");
    if (codes.size(-1) % 2 != 0)
        return makeError(ErrorCode::InvalidArgument,
                         "int4 packing needs an even last dimension, got " + std::to_string(codes.size(-1)));
    if (codes.numel() > 0 && (codes.min().item<int>() < -8 || codes.max().item<int>() > 7))
        return makeError(ErrorCode::InvalidArgument, "int4 codes must lie in [-8, 7]");
    // Masking the int16 value with 0xF gives the two's complement nibble of a code in [-8, 7].
    auto nibbles = codes.to(at::kShort).bitwise_and(0xF);
    auto low = nibbles.slice(-1, 0, c10::nullopt, 2);
    auto high = nibbles.slice(-1, 1, c10::nullopt, 2);
    return (low + high * 16).to(at::kByte);
}

Result<at::Tensor> unpackInt4(const at::Tensor& packed)
{
    if (!packed.defined() || packed.scalar_type() != at::kByte || packed.dim() == 0)
        return makeError(ErrorCode::InvalidArgument, "int4 unpacking needs a uint8 tensor");
    auto bytes = packed.to(at::kShort);
    auto low = bytes.bitwise_and(0xF);
    auto high = bytes.div(16, "floor");
    // Sign-extend the nibbles: 8..15 stand for -8..-1.
    low = at::where(low.ge(8), low - 16, low);
    high = at::where(high.ge(8), high - 16, high);
    auto sizes = packed.sizes().vec();
    sizes.back() *= 2;
    return at::stack({low, high}, -1).reshape(sizes).to(at::kChar);
}

}  // namespace lathe::quant
