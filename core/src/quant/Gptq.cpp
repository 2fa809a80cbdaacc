#include "quant/Gptq.h"

#include "quant/DampingRetries.h"
#include "quant/WorkingCopy.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>

namespace lathe::quant {

namespace {

struct InverseFactor {
    at::Tensor upper;  // U with Uᵀ U = (H + λI)⁻¹
    double damping = 0.0;
    int retries = 0;
};

// U = cholesky(cholesky_inverse(cholesky(H + λI)), upper), raising λ tenfold while a factorisation fails. `h` is
// damped in place on its diagonal (each attempt from the undamped diagonal, so λ is added once) and released once
// the first factor exists: H, its factor and the inverse are each [in, in] (256 MiB at in = 8192 in fp32), and
// at most three of them are alive at once.
std::optional<InverseFactor> factorInverse(at::Tensor& h, double dampFraction, int maxRetries)
{
    auto attempt = [&h](double lambda, int retry) -> std::optional<InverseFactor> {
        auto [lower, info] = at::linalg_cholesky_ex(h);
        if (info.item<int>() != 0) return std::nullopt;
        auto inverse = at::cholesky_inverse(lower);
        lower.reset();
        auto [upper, info2] = at::linalg_cholesky_ex(inverse, /*upper=*/true);
        inverse.reset();
        if (info2.item<int>() != 0) return std::nullopt;
        if (!at::isfinite(upper).all().item<bool>()) return std::nullopt;
        h.reset();
        return InverseFactor{upper, lambda, retry};
    };
    return withDampingRetries(h, dampFraction, maxRetries, attempt);
}

// One column of the sweep over `out` outputs: codes q = clamp(round(w / s)) (roundToGrid's arithmetic) and the
// scaled error e = (w − q·s) / d, in one pass instead of a chain of tensor operations per column.
void quantizeColumn(const float* w, const float* s, int64_t out, int bits, float d, float* codes, float* e)
{
    const float lo = static_cast<float>(gridMin(bits)), hi = static_cast<float>(gridMax(bits));
    for (int64_t o = 0; o < out; ++o) {
        const float q = std::clamp(std::nearbyint(w[o] / s[o]), lo, hi);
        codes[o] = q;
        e[o] = (w[o] - q * s[o]) / d;
    }
}

Result<void> validate(const at::Tensor& weight, const at::Tensor& hessian, const GptqOptions& options)
{
    LATHE_TRY(validateGrid(weight, options.grid));
    const int64_t in = weight.size(1);
    if (!hessian.defined() || hessian.dim() != 2 || hessian.size(0) != in || hessian.size(1) != in)
        return makeError(ErrorCode::InvalidArgument, "the Hessian must be [" + std::to_string(in) + ", " +
                                                         std::to_string(in) + "] to match the weight's input width");
    if (!at::isfinite(hessian).all().item<bool>())
        return makeError(ErrorCode::InvalidArgument,
                         "the Hessian contains NaN or infinite values; check the calibration inputs");
    if (options.blockSize <= 0 || options.dampFraction < 0 || options.maxDampRetries < 0)
        return makeError(ErrorCode::InvalidArgument, "GPTQ block size must be positive and damping non-negative");
    return {};
}

}  // namespace

Result<GptqResult> quantizeGptq(const at::Tensor& weight, at::Tensor hessian, const GptqOptions& options,
                                const StopToken* stop)
{
    LATHE_TRY(validate(weight, hessian, options));
    try {
        const GridSpec& grid = options.grid;
        const int bits = grid.bits;
        const int64_t in = weight.size(1);
        const int64_t groupSize = grid.groupSize;
        const int64_t rows = weight.size(0);

        auto w = weight.to(at::kFloat).clone();
        auto h = workingCopy(hessian, options.factorInDouble ? at::kDouble : at::kFloat);
        auto dead = h.diagonal().eq(0);
        h.diagonal().masked_fill_(dead, 1.0);
        w.masked_fill_(dead.unsqueeze(0), 0.0f);

        // Per-channel scales, and group scales under act-order (where a group's columns are not swept together),
        // come from the weights before the sweep; dead columns are zeroed first so they do not widen the range.
        const bool scalesUpFront = groupSize == 0 || options.actOrder;
        at::Tensor scales =
            scalesUpFront ? computeScales(w, grid) : at::empty({weight.size(0), groupCount(in, groupSize)}, at::kFloat);

        at::Tensor perm = at::arange(in, at::kLong);
        if (options.actOrder) {
            perm = std::get<1>(at::sort(h.diagonal(), /*stable=*/true, /*dim=*/0, /*descending=*/true));
            w = w.index_select(1, perm);
            // One permuted copy at a time: the unpermuted matrix is released as soon as its rows are gathered.
            h = h.index_select(0, perm);
            h = h.index_select(1, perm);
        }
        // Group of the column at each sweep position (all 0 per channel).
        auto groupOf = groupSize > 0 ? perm.div(groupSize, "floor") : at::zeros({in}, at::kLong);
        const int64_t* groupPtr = groupOf.data_ptr<int64_t>();

        auto factor = factorInverse(h, options.dampFraction, options.maxDampRetries);
        if (!factor)
            return makeError(ErrorCode::Unsupported,
                             "the layer Hessian is not positive definite even with damping raised " +
                                 std::to_string(options.maxDampRetries) +
                                 " times; use more (or more varied) calibration samples");
        auto u = factor->upper.to(at::kFloat);

        // A block holds whole groups so that a group's scale sees every error update from earlier columns.
        int64_t block = options.blockSize;
        if (groupSize > 0 && !options.actOrder) block = groupSize * ((block + groupSize - 1) / groupSize);

        // The sweep runs on Wᵀ [in, out] so that a column of W, and every update of the columns after it,
        // is contiguous memory.
        auto wt = w.t().contiguous();
        auto codesT = at::empty_like(wt);
        auto scalesT = scales.t().contiguous();  // [groups, out]
        auto uAcc = u.accessor<float, 2>();
        for (int64_t i1 = 0; i1 < in; i1 += block) {
            if (stop && stop->stopRequested()) return makeError(ErrorCode::Cancelled, "GPTQ was cancelled");
            const int64_t i2 = std::min(i1 + block, in);
            const int64_t count = i2 - i1;
            auto w1 = wt.slice(0, i1, i2).clone();
            auto err1 = at::empty_like(w1);
            for (int64_t i = 0; i < count; ++i) {
                const int64_t col = i1 + i;
                if (!scalesUpFront && col % groupSize == 0)
                    scalesT[col / groupSize].copy_(rowScales(w1.slice(0, i, i + groupSize).t(), grid));
                quantizeColumn(w1[i].data_ptr<float>(), scalesT[groupPtr[col]].data_ptr<float>(), rows, bits,
                               uAcc[col][col], codesT[col].data_ptr<float>(), err1[i].data_ptr<float>());
                if (i + 1 < count) w1.slice(0, i + 1).addr_(u[col].slice(0, col + 1, i2), err1[i], 1.0, -1.0);
            }
            if (i2 < in) wt.slice(0, i2).addmm_(u.slice(0, i1, i2).slice(1, i2).t(), err1, 1.0, -1.0);
        }

        GptqResult out;
        out.weight.bits = bits;
        out.weight.groupSize = groupSize;
        out.weight.scales = scalesT.t().contiguous();
        out.weight.codes = codesT.index_select(0, at::argsort(perm)).t().contiguous().to(at::kChar);
        out.permutation = perm;
        out.deadColumns = dead.clone();
        out.damping = factor->damping;
        out.dampRetries = factor->retries;
        return out;
    } catch (const std::exception& e) {
        return makeError(ErrorCode::Internal, std::string("GPTQ failed: ") + e.what());
    }
}

}  // namespace lathe::quant
