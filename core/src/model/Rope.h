#pragma once
// Private to core: exposes libtorch types.

#include "lathe/model/ModelConfig.h"

#include <ATen/ATen.h>

#include <vector>

namespace lathe::model {

// Rotary position embedding in Hugging Face's rotate_half convention: dimension i of a head is paired
// with dimension i + headDim/2, and both share inverse frequency i.
class Rope {
public:
    explicit Rope(const ModelConfig& config);

    // The headDim/2 inverse frequencies after rope scaling, in double as computed.
    const std::vector<double>& inverseFrequencies() const { return m_invFreq; }

    // cos and sin tables [count, headDim] (fp32) for positions first .. first+count-1.
    std::pair<at::Tensor, at::Tensor> tables(int64_t first, int64_t count) const;

    // x [B, H, T, D] rotated in place by tables from `tables()` ([T, D]).
    static void apply(at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin);

private:
    int m_headDim = 0;
    std::vector<double> m_invFreq;
};

// rope_type "llama3" (Llama 3.1+): long wavelengths divided by `factor`, short ones kept, a smooth blend in
// between. Mirrors transformers' _compute_llama3_parameters.
std::vector<double> llama3ScaledFrequencies(const std::vector<double>& invFreq, const RopeScaling& scaling);

}  // namespace lathe::model
