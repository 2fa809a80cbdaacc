#pragma once
// Private to core: exposes libtorch types.

#include "lathe/common/Result.h"

#include <ATen/ATen.h>

#include <cstdint>

namespace lathe::quant {

// The NPU weight grid: symmetric, signed, no zero point. Codes lie in [-qmax-1, qmax] with qmax = 2^(bits-1)-1;
// a weight w is coded as clamp(round(w / scale)), rounding half to even. Definitions: docs/quantization-math.md.
struct GridSpec {
    int bits = 4;            // 2..8
    int64_t groupSize = 0;   // 0: one scale per output channel; otherwise columns of `in` per scale (see groupCount)
    bool clipSearch = true;  // search the shrink factor p (1.00 .. 0.21) instead of p = 1
    bool halfScales = false;  // round each chosen scale to float16 (see roundScalesToHalf)
};

// Integer weights of one linear layer W [out, in].
struct QuantizedWeight {
    at::Tensor codes;   // int8 [out, in]
    at::Tensor scales;  // fp32 [out, groupCount(in, groupSize)]
    int bits = 4;
    int64_t groupSize = 0;

    at::Tensor dequantize() const;  // fp32 [out, in]
};

inline int64_t gridMax(int bits)
{
    return (int64_t{1} << (bits - 1)) - 1;
}
inline int64_t gridMin(int bits)
{
    return -gridMax(bits) - 1;
}

// Scales per output channel for `in` columns: 1 per channel (groupSize 0), else ceil(in / groupSize). Group g holds
// columns [g·groupSize, min((g+1)·groupSize, in)): when groupSize does not divide `in` the last group is narrower,
// and a group size of at least `in` gives one group.
inline int64_t groupCount(int64_t in, int64_t groupSize)
{
    return groupSize > 0 ? (in + groupSize - 1) / groupSize : 1;
}

// Checks bits, the weight's shape and values, and that the group size is not negative.
Result<void> validateGrid(const at::Tensor& weight, const GridSpec& spec);

// Scales for the rows of `rows` [R, C], one per row: absmax·p/qmax, where p = 1 or, with the search, the shrink
// factor that minimises Σ|w − q(w)|^2.4 over the row (first, i.e. largest, p wins ties). All-zero rows get
// scale 1. With spec.halfScales the result is rounded by roundScalesToHalf. Returns fp32 [R]. (spec.groupSize is
// not used: `rows` are already the groups.)
at::Tensor rowScales(const at::Tensor& rows, const GridSpec& spec);

// Scales rounded to the nearest float16 (ties to even), kept in fp32: every value is then exact as a float16.
// A scale below float16's smallest subnormal becomes that subnormal (2^-24), one above its largest finite value
// becomes that value (65504), so a scale stays finite and positive; codes then absorb the difference.
at::Tensor roundScalesToHalf(const at::Tensor& scales);

// Scales of W [out, in] for `spec`: fp32 [out, groups]. The spec must have passed validateGrid.
at::Tensor computeScales(const at::Tensor& weight, const GridSpec& spec);

// The scale of every weight, fp32, broadcastable to [out, in] (per channel [out, 1], no [out, in] copy), from scales
// [out, groupCount(in, groupSize)]. The group size cannot follow from the shapes: with ragged groups several group
// sizes give the same count.
at::Tensor perWeightScales(const at::Tensor& scales, int64_t in, int64_t groupSize);

// Codes of W for given scales [out, groups] of `groupSize`: int8 [out, in].
at::Tensor quantizeCodes(const at::Tensor& weight, const at::Tensor& scales, int bits, int64_t groupSize);

// codes·scale per element, fp32 [out, in].
at::Tensor dequantizeCodes(const at::Tensor& codes, const at::Tensor& scales, int64_t groupSize);

// Round-to-nearest on the grid of one column or any tensor with a broadcastable scale: clamp(round(x / s)).
at::Tensor roundToGrid(const at::Tensor& x, const at::Tensor& scale, int bits);

}  // namespace lathe::quant
