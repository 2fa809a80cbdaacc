#include "quant/ErrorMetrics.h"

#include "quant/IntegerGrid.h"

#include <cmath>
#include <limits>
#include <string>

namespace lathe::quant {

namespace {

Result<void> sameShape(const at::Tensor& a, const at::Tensor& b, const char* what)
{
    if (!a.defined() || !b.defined() || a.numel() == 0 || a.sizes() != b.sizes())
        return makeError(ErrorCode::InvalidArgument, std::string(what) + " needs two non-empty tensors of one shape");
    return {};
}

}  // namespace

Result<double> sqnrDb(const at::Tensor& reference, const at::Tensor& approx)
{
    LATHE_TRY(sameShape(reference, approx, "SQNR"));
    try {
        auto y = reference.to(at::kDouble);
        const double signal = y.square().sum().item<double>();
        const double noise = (y - approx.to(at::kDouble)).square().sum().item<double>();
        if (noise == 0) return std::numeric_limits<double>::infinity();
        return 10.0 * std::log10(signal / noise);
    } catch (const std::exception& e) {
        return makeError(ErrorCode::Internal, std::string("computing SQNR failed: ") + e.what());
    }
}

Result<double> meanKlDivergence(const at::Tensor& referenceLogits, const at::Tensor& approxLogits)
{
    LATHE_TRY(sameShape(referenceLogits, approxLogits, "KL divergence"));
    try {
        auto logP = at::log_softmax(referenceLogits.to(at::kDouble), -1);
        auto logQ = at::log_softmax(approxLogits.to(at::kDouble), -1);
        auto perRow = (logP.exp() * (logP - logQ)).sum(-1);
        return perRow.mean().item<double>();
    } catch (const std::exception& e) {
        return makeError(ErrorCode::Internal, std::string("computing KL divergence failed: ") + e.what());
    }
}

Result<double> clippingRate(const at::Tensor& x, double scale, int bits)
{
    if (!x.defined() || x.numel() == 0 || !(scale > 0) || !std::isfinite(scale) || bits < 2 || bits > 16)
        return makeError(ErrorCode::InvalidArgument,
                         "clipping rate needs a non-empty tensor, a positive scale and 2..16 bits");
    try {
        auto codes = at::round(x.to(at::kDouble) / scale);
        auto clipped =
            codes.gt(static_cast<double>(gridMax(bits))).logical_or_(codes.lt(static_cast<double>(gridMin(bits))));
        return clipped.sum().item<double>() / static_cast<double>(x.numel());
    } catch (const std::exception& e) {
        return makeError(ErrorCode::Internal, std::string("computing the clipping rate failed: ") + e.what());
    }
}

}  // namespace lathe::quant
