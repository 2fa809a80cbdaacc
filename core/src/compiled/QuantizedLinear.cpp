#include "compiled/QuantizedLinear.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace lathe::compiled {
namespace {

// Exactness of the integer sums (docs/compiled-model.md, "Arithmetic"). |xq| <= 2^(a-1) and |code| <= 2^(b-1),
// so every product, and every partial sum of k products in whatever order a GEMM adds them, is an integer of
// magnitude <= k·2^(a+b-2). A float type with an m-bit significand holds every such integer exactly while
// k·2^(a+b-2) <= 2^m. For fp32 (m = 24): a8/w8 → k <= 1024, a8/w4 → 16384, a16/w4 → 64, a16/w8 → 4.
constexpr int kFp32Significand = 24;
constexpr int kFp64Significand = 53;
// Below this many columns per fp32 GEMM, adding the chunk results in fp64 costs more than one fp64 GEMM.
constexpr int64_t kMinFp32Chunk = 256;
// Codes converted to the GEMM type per block of output rows, about 4 MiB in fp32. Converting the whole matrix per
// call would make a temporary of 4x (8x in fp64) the int8 codes: 1 GiB for a 128256 x 2048 lm_head. Keeping a float
// copy instead would hold 4x the codes' memory (8x the packed 4-bit file) for the model's lifetime. A block this
// size stays in cache between its conversion and its GEMM, so a one-token forward reads each code once from memory.
constexpr int64_t kConvertValues = int64_t{1} << 20;

int64_t exactTerms(int significandBits, int productBits)
{
    return productBits >= significandBits ? 1 : int64_t{1} << (significandBits - productBits);
}

struct GemmPlan {
    at::ScalarType type;
    int64_t block;  // columns per GEMM, all inside one group
};

GemmPlan planFor(int64_t groupSize, int activationBits, int weightBits)
{
    const int productBits = (activationBits - 1) + (weightBits - 1);
    const int64_t fp32Terms = exactTerms(kFp32Significand, productBits);
    if (groupSize <= fp32Terms) return {at::kFloat, groupSize};
    if (fp32Terms >= kMinFp32Chunk) return {at::kFloat, fp32Terms};
    return {at::kDouble, std::min(groupSize, exactTerms(kFp64Significand, productBits))};
}

void checkShapes(const QuantizedLinear& l, int64_t inputWidth)
{
    const auto& codes = l.weight.codes;
    const auto& scales = l.weight.scales;
    if (!codes.defined() || codes.dim() != 2 || codes.scalar_type() != at::kChar)
        throw std::invalid_argument("quantized linear: codes must be int8 [out, in]");
    if (l.weight.groupSize < 0 || !scales.defined() || scales.dim() != 2 || scales.size(0) != codes.size(0) ||
        scales.size(1) != quant::groupCount(codes.size(1), l.weight.groupSize))
        throw std::invalid_argument(
            "quantized linear: scales must be [out, groups] with groups = ceil(in / group "
            "size), 1 per channel");
    if (l.activationBits < 2 || l.activationBits > 16 || l.weight.bits < 2 || l.weight.bits > 8)
        throw std::invalid_argument("quantized linear: activation bits must be 2..16 and weight bits 2..8");
    if (inputWidth != codes.size(1))
        throw std::invalid_argument("quantized linear: input has " + std::to_string(inputWidth) +
                                    " features but the layer expects " + std::to_string(codes.size(1)));
}

// Calls onGroup(r0, g, acc) for each block of output rows [r0, r0 + n) and, within it, each group g in order;
// acc is float64 [rows, n] holding the exact sums over the group's columns (the last group may be narrower).
template <typename OnGroup>
void forEachGroup(const QuantizedLinear& l, const at::Tensor& xq2d, OnGroup&& onGroup)
{
    const int64_t out = l.weight.codes.size(0), in = l.weight.codes.size(1);
    const int64_t groups = l.weight.scales.size(1);
    const int64_t width = l.weight.groupSize > 0 ? std::min(l.weight.groupSize, in) : in;
    const GemmPlan plan = planFor(width, l.activationBits, l.weight.bits);
    const at::Tensor x = xq2d.to(plan.type);
    const int64_t rowsPerBlock = std::max<int64_t>(1, kConvertValues / in);
    for (int64_t r0 = 0; r0 < out; r0 += rowsPerBlock) {
        const int64_t n = std::min(rowsPerBlock, out - r0);
        const at::Tensor w = l.weight.codes.narrow(0, r0, n).to(plan.type);
        for (int64_t g = 0; g < groups; ++g) {
            at::Tensor acc;
            const int64_t end = std::min((g + 1) * width, in);
            for (int64_t c0 = g * width; c0 < end; c0 += plan.block) {
                const int64_t len = std::min(plan.block, end - c0);
                auto part = at::mm(x.narrow(1, c0, len), w.narrow(1, c0, len).t()).to(at::kDouble);
                acc = acc.defined() ? acc.add_(part) : part;
            }
            onGroup(r0, g, acc);
        }
    }
}

std::vector<int64_t> outputShape(const at::Tensor& x, int64_t last)
{
    auto shape = x.sizes().vec();
    shape.back() = last;
    return shape;
}

}  // namespace

at::Tensor QuantizedLinear::quantizeInput(const at::Tensor& x) const
{
    // The scale is used as fp32 everywhere (it is stored as F32), so the compiler and the runtime agree.
    const float scale = static_cast<float>(inputScale);
    return at::clamp(at::round(x.to(at::kFloat) / scale), static_cast<double>(quant::gridMin(activationBits)),
                     static_cast<double>(quant::gridMax(activationBits)));
}

at::Tensor QuantizedLinear::accumulate(const at::Tensor& xq) const
{
    checkShapes(*this, xq.size(-1));
    const int64_t in = weight.codes.size(1), out = weight.codes.size(0), groups = weight.scales.size(1);
    auto result = at::empty({xq.numel() / in, out, groups}, at::kDouble);
    forEachGroup(*this, xq.reshape({-1, in}), [&](int64_t r0, int64_t g, const at::Tensor& acc) {
        result.narrow(1, r0, acc.size(1)).select(2, g).copy_(acc);
    });
    auto shape = outputShape(xq, out);
    shape.push_back(groups);
    return result.view(shape);
}

at::Tensor QuantizedLinear::forward(const at::Tensor& x) const
{
    checkShapes(*this, x.size(-1));
    const int64_t in = weight.codes.size(1), out = weight.codes.size(0);
    const auto xq = quantizeInput(x).reshape({-1, in});
    const auto scales = weight.scales.to(at::kDouble);
    // Σ_g scales[o, g]·acc[o, g] in fp64, groups added in order.
    auto sum = at::zeros({xq.size(0), out}, at::kDouble);
    forEachGroup(*this, xq, [&](int64_t r0, int64_t g, at::Tensor acc) {
        const int64_t n = acc.size(1);
        sum.narrow(1, r0, n).add_(acc.mul_(scales.narrow(0, r0, n).select(1, g)));
    });
    auto y = sum.mul_(static_cast<double>(static_cast<float>(inputScale))).to(at::kFloat);
    if (bias.defined()) y.add_(bias.to(at::kFloat));
    return y.view(outputShape(x, out));
}

}  // namespace lathe::compiled
