#include "quant/Rtn.h"

namespace lathe::quant {

Result<QuantizedWeight> quantizeRtn(const at::Tensor& weight, const GridSpec& spec)
{
    LATHE_TRY(validateGrid(weight, spec));
    try {
        QuantizedWeight out;
        out.bits = spec.bits;
        out.groupSize = spec.groupSize;
        auto w = weight.to(at::kFloat);
        out.scales = computeScales(w, spec);
        out.codes = quantizeCodes(w, out.scales, spec.bits, spec.groupSize);
        return out;
    } catch (const std::exception& e) {
        return makeError(ErrorCode::Internal, std::string("round-to-nearest quantization failed: ") + e.what());
    }
}

}  // namespace lathe::quant
