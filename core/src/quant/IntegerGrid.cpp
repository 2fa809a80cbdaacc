#include "quant/IntegerGrid.h"

#include "quant/ShrinkSearch.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <stdexcept>
#include <string>

namespace lathe::quant {

namespace {

// [out, in] -> [out * groups, width] so that every scale belongs to one row. A ragged last group is padded with
// zero columns: zeros change neither a group's absmax nor any clipping error (they code to 0 exactly).
at::Tensor groupRows(const at::Tensor& weight, int64_t groupSize)
{
    const int64_t in = weight.size(1);
    const int64_t groups = groupCount(in, groupSize);
    const int64_t width = groupSize > 0 ? std::min(groupSize, in) : in;
    const int64_t padded = groups * width;
    const at::Tensor full = padded == in ? weight : at::constant_pad_nd(weight, {0, padded - in}, 0.0);
    return full.reshape({weight.size(0) * groups, width});
}

}  // namespace

at::Tensor QuantizedWeight::dequantize() const
{
    return dequantizeCodes(codes, scales, groupSize);
}

Result<void> validateGrid(const at::Tensor& weight, const GridSpec& spec)
{
    if (spec.bits < 2 || spec.bits > 8)
        return makeError(ErrorCode::InvalidArgument,
                         "weight bits must be between 2 and 8, got " + std::to_string(spec.bits));
    if (!weight.defined() || weight.dim() != 2 || weight.numel() == 0)
        return makeError(ErrorCode::InvalidArgument, "weight must be a non-empty 2-D [out, in] tensor");
    if (!weight.is_floating_point())
        return makeError(ErrorCode::InvalidArgument, "weight must be a floating-point tensor");
    if (spec.groupSize < 0)
        return makeError(ErrorCode::InvalidArgument, "group size " + std::to_string(spec.groupSize) +
                                                         " is negative; use 0 (per channel) or a positive size");
    if (!at::isfinite(weight).all().item<bool>())
        return makeError(ErrorCode::InvalidArgument, "weight contains NaN or infinite values");
    return {};
}

at::Tensor roundToGrid(const at::Tensor& x, const at::Tensor& scale, int bits)
{
    // at::round rounds half to even (std::nearbyint), as torch.round does.
    return at::clamp(at::round(x / scale), static_cast<double>(gridMin(bits)), static_cast<double>(gridMax(bits)));
}

at::Tensor rowScales(const at::Tensor& rows, const GridSpec& spec)
{
    const int bits = spec.bits;
    const bool clipSearch = spec.clipSearch;
    auto w = rows.to(at::kFloat);
    auto absmax = w.abs().amax(1);
    auto zero = absmax.eq(0);
    // Placeholder for all-zero rows keeps the search free of 0/0; such rows code to 0 whatever the scale.
    auto base = absmax.masked_fill(zero, 1.0f);
    const double qmax = static_cast<double>(gridMax(bits));
    auto best = base / qmax;
    if (clipSearch) {
        w = w.contiguous();
        const float* values = w.data_ptr<float>();
        const float* absMax = base.data_ptr<float>();
        float* scales = best.data_ptr<float>();
        const int64_t cols = w.size(1);
        // Rows are independent; a grain of about 2^16 values keeps the threads' share of a small layer even.
        const int64_t grain = std::max<int64_t>(1, (int64_t{1} << 16) / std::max<int64_t>(1, cols));
        at::parallel_for(0, w.size(0), grain, [&](int64_t r0, int64_t r1) {
            searchShrink(values + r0 * cols, r1 - r0, cols, absMax + r0, bits, scales + r0);
        });
    }
    best = best.masked_fill(zero, 1.0f);
    return spec.halfScales ? roundScalesToHalf(best) : best;
}

at::Tensor roundScalesToHalf(const at::Tensor& scales)
{
    constexpr double kSmallestSubnormal = 5.9604644775390625e-08;  // 2^-24
    constexpr double kLargestFinite = 65504.0;
    return scales.to(at::kFloat).clamp(kSmallestSubnormal, kLargestFinite).to(at::kHalf).to(at::kFloat);
}

at::Tensor computeScales(const at::Tensor& weight, const GridSpec& spec)
{
    const int64_t groups = groupCount(weight.size(1), spec.groupSize);
    return rowScales(groupRows(weight, spec.groupSize), spec).view({weight.size(0), groups});
}

at::Tensor perWeightScales(const at::Tensor& scales, int64_t in, int64_t groupSize)
{
    if (scales.dim() != 2 || scales.size(1) != groupCount(in, groupSize))
        throw std::invalid_argument("weight scales must be [out, " + std::to_string(groupCount(in, groupSize)) +
                                    "] for " + std::to_string(in) + " inputs and group size " +
                                    std::to_string(groupSize));
    if (groupSize == 0) return scales.to(at::kFloat);
    const int64_t width = std::min(groupSize, in);
    return scales.to(at::kFloat).repeat_interleave(width, 1).narrow(1, 0, in);
}

at::Tensor quantizeCodes(const at::Tensor& weight, const at::Tensor& scales, int bits, int64_t groupSize)
{
    return roundToGrid(weight.to(at::kFloat), perWeightScales(scales, weight.size(1), groupSize), bits).to(at::kChar);
}

at::Tensor dequantizeCodes(const at::Tensor& codes, const at::Tensor& scales, int64_t groupSize)
{
    return codes.to(at::kFloat) * perWeightScales(scales, codes.size(1), groupSize);
}

}  // namespace lathe::quant
