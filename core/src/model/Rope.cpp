#include "model/Rope.h"

#include <cmath>
#include <numbers>

namespace lathe::model {

std::vector<double> llama3ScaledFrequencies(const std::vector<double>& invFreq, const RopeScaling& scaling)
{
    const double oldContext = scaling.originalMaxPositionEmbeddings;
    const double lowFreqWavelen = oldContext / scaling.lowFreqFactor;
    const double highFreqWavelen = oldContext / scaling.highFreqFactor;
    std::vector<double> out(invFreq.size());
    for (size_t i = 0; i < invFreq.size(); ++i) {
        const double f = invFreq[i];
        const double wavelen = 2.0 * std::numbers::pi / f;
        if (wavelen < highFreqWavelen) {
            out[i] = f;
        } else if (wavelen > lowFreqWavelen) {
            out[i] = f / scaling.factor;
        } else {
            const double smooth =
                (oldContext / wavelen - scaling.lowFreqFactor) / (scaling.highFreqFactor - scaling.lowFreqFactor);
            out[i] = (1.0 - smooth) * f / scaling.factor + smooth * f;
        }
    }
    return out;
}

Rope::Rope(const ModelConfig& config) : m_headDim(config.headDim)
{
    const int half = m_headDim / 2;
    m_invFreq.resize(half);
    for (int i = 0; i < half; ++i) m_invFreq[i] = 1.0 / std::pow(config.ropeTheta, (2.0 * i) / m_headDim);
    if (config.ropeScaling && config.ropeScaling->type == "llama3")
        m_invFreq = llama3ScaledFrequencies(m_invFreq, *config.ropeScaling);
}

std::pair<at::Tensor, at::Tensor> Rope::tables(int64_t first, int64_t count) const
{
    const int half = m_headDim / 2;
    // Angles in double: position * frequency loses digits in fp32 once positions reach the thousands.
    auto cosT = at::empty({count, m_headDim}, at::kFloat);
    auto sinT = at::empty({count, m_headDim}, at::kFloat);
    float* c = cosT.data_ptr<float>();
    float* s = sinT.data_ptr<float>();
    for (int64_t t = 0; t < count; ++t) {
        const double pos = static_cast<double>(first + t);
        for (int i = 0; i < half; ++i) {
            const double angle = pos * m_invFreq[i];
            const float cv = static_cast<float>(std::cos(angle));
            const float sv = static_cast<float>(std::sin(angle));
            c[t * m_headDim + i] = cv;
            c[t * m_headDim + i + half] = cv;
            s[t * m_headDim + i] = sv;
            s[t * m_headDim + i + half] = sv;
        }
    }
    return {cosT, sinT};
}

void Rope::apply(at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin)
{
    const int64_t half = x.size(-1) / 2;
    auto x1 = x.narrow(-1, 0, half);
    auto x2 = x.narrow(-1, half, half);
    auto rotated = at::cat({x2.neg(), x1}, -1);
    x.mul_(cos).addcmul_(rotated, sin);
}

}  // namespace lathe::model
