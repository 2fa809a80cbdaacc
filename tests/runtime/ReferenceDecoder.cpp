#include "ReferenceDecoder.h"

#include <cmath>
#include <numbers>

namespace lathe::test {
namespace {

std::vector<double> matVec(const Matrix& w, const std::vector<double>& x)
{
    std::vector<double> y(w.size(), 0.0);
    for (size_t o = 0; o < w.size(); ++o)
        for (size_t i = 0; i < x.size(); ++i) y[o] += w[o][i] * x[i];
    return y;
}

std::vector<double> rms(const std::vector<double>& x, const std::vector<double>& g, double eps)
{
    double ss = 0;
    for (double v : x) ss += v * v;
    const double inv = 1.0 / std::sqrt(ss / x.size() + eps);
    std::vector<double> y(x.size());
    for (size_t i = 0; i < x.size(); ++i) y[i] = x[i] * inv * g[i];
    return y;
}

double frequency(const model::ModelConfig& c, int i)
{
    double f = 1.0 / std::pow(c.ropeTheta, 2.0 * i / c.headDim);
    if (!c.ropeScaling) return f;
    // Written out from the Llama 3.1 reference (Meta's apply_scaling).
    const auto& s = *c.ropeScaling;
    const double lowWavelen = s.originalMaxPositionEmbeddings / s.lowFreqFactor;
    const double highWavelen = s.originalMaxPositionEmbeddings / s.highFreqFactor;
    const double wavelen = 2 * std::numbers::pi / f;
    if (wavelen < highWavelen) return f;
    if (wavelen > lowWavelen) return f / s.factor;
    const double smooth = (s.originalMaxPositionEmbeddings / wavelen - s.lowFreqFactor) /
                          (s.highFreqFactor - s.lowFreqFactor);
    return (1 - smooth) * f / s.factor + smooth * f;
}

// rotate_half convention: pair (i, i + D/2).
void rotate(std::vector<double>& v, size_t offset, const model::ModelConfig& c, int pos)
{
    const int half = c.headDim / 2;
    for (int i = 0; i < half; ++i) {
        const double a = pos * frequency(c, i);
        const double x1 = v[offset + i], x2 = v[offset + i + half];
        v[offset + i] = x1 * std::cos(a) - x2 * std::sin(a);
        v[offset + i + half] = x2 * std::cos(a) + x1 * std::sin(a);
    }
}

void addBias(std::vector<double>& y, const ReferenceWeights& w, const std::string& name)
{
    auto it = w.vectors.find(name);
    if (it == w.vectors.end()) return;
    for (size_t i = 0; i < y.size(); ++i) y[i] += it->second[i];
}

}  // namespace

Matrix referenceLogits(const model::ModelConfig& c, const ReferenceWeights& w, const std::vector<int>& ids)
{
    const size_t T = ids.size();
    const int D = c.headDim, H = c.numHeads, KV = c.numKvHeads;
    Matrix h(T);
    for (size_t t = 0; t < T; ++t) h[t] = w.matrices.at("model.embed_tokens.weight")[ids[t]];

    for (int layer = 0; layer < c.numLayers; ++layer) {
        const std::string p = "model.layers." + std::to_string(layer) + ".";
        Matrix q(T), k(T), v(T);
        for (size_t t = 0; t < T; ++t) {
            // modeling_exaone4 (post-norm): the projections read the residual stream itself.
            auto x = c.postNorm ? h[t] : rms(h[t], w.vectors.at(p + "input_layernorm.weight"), c.rmsNormEps);
            q[t] = matVec(w.matrices.at(p + "self_attn.q_proj.weight"), x);
            k[t] = matVec(w.matrices.at(p + "self_attn.k_proj.weight"), x);
            v[t] = matVec(w.matrices.at(p + "self_attn.v_proj.weight"), x);
            addBias(q[t], w, p + "self_attn.q_proj.bias");
            addBias(k[t], w, p + "self_attn.k_proj.bias");
            addBias(v[t], w, p + "self_attn.v_proj.bias");
            if (c.qkNorm) {
                // modeling_qwen3: RMSNorm over each head's D values of q and k, before the rotation.
                auto normHeads = [&](std::vector<double>& x, int heads, const std::string& name) {
                    const auto& g = w.vectors.at(p + name);
                    for (int head = 0; head < heads; ++head) {
                        std::vector<double> part(x.begin() + head * D, x.begin() + (head + 1) * D);
                        part = rms(part, g, c.rmsNormEps);
                        std::copy(part.begin(), part.end(), x.begin() + head * D);
                    }
                };
                normHeads(q[t], H, "self_attn.q_norm.weight");
                normHeads(k[t], KV, "self_attn.k_norm.weight");
            }
            // Hybrid attention: only the sliding layers rotate; a model without a window rotates in every layer.
            if (c.slidingWindow == 0 || c.slidingLayers.at(size_t(layer))) {
                for (int head = 0; head < H; ++head) rotate(q[t], size_t(head) * D, c, int(t));
                for (int head = 0; head < KV; ++head) rotate(k[t], size_t(head) * D, c, int(t));
            }
        }
        for (size_t t = 0; t < T; ++t) {
            std::vector<double> attn(size_t(H) * D, 0.0);
            for (int head = 0; head < H; ++head) {
                const int kvHead = head / (H / KV);
                // A sliding layer sees keys s with t - window < s <= t.
                const bool sliding = c.slidingWindow > 0 && c.slidingLayers.at(size_t(layer));
                const size_t from = sliding && t + 1 > size_t(c.slidingWindow) ? t + 1 - size_t(c.slidingWindow) : 0;
                std::vector<double> score(t + 1, 0.0);
                double maxScore = -1e300;
                for (size_t s = from; s <= t; ++s) {
                    double dot = 0;
                    for (int d = 0; d < D; ++d) dot += q[t][head * D + d] * k[s][kvHead * D + d];
                    score[s] = dot / std::sqrt(double(D));
                    maxScore = std::max(maxScore, score[s]);
                }
                double total = 0;
                for (size_t s = from; s <= t; ++s) total += (score[s] = std::exp(score[s] - maxScore));
                for (size_t s = from; s <= t; ++s)
                    for (int d = 0; d < D; ++d) attn[head * D + d] += score[s] / total * v[s][kvHead * D + d];
            }
            auto o = matVec(w.matrices.at(p + "self_attn.o_proj.weight"), attn);
            if (c.postNorm) o = rms(o, w.vectors.at(p + "post_attention_layernorm.weight"), c.rmsNormEps);
            for (size_t i = 0; i < o.size(); ++i) h[t][i] += o[i];

            auto x = c.postNorm ? h[t] : rms(h[t], w.vectors.at(p + "post_attention_layernorm.weight"), c.rmsNormEps);
            auto gate = matVec(w.matrices.at(p + "mlp.gate_proj.weight"), x);
            auto up = matVec(w.matrices.at(p + "mlp.up_proj.weight"), x);
            for (size_t i = 0; i < gate.size(); ++i) gate[i] = gate[i] / (1 + std::exp(-gate[i])) * up[i];
            auto down = matVec(w.matrices.at(p + "mlp.down_proj.weight"), gate);
            if (c.postNorm) down = rms(down, w.vectors.at(p + "post_feedforward_layernorm.weight"), c.rmsNormEps);
            for (size_t i = 0; i < down.size(); ++i) h[t][i] += down[i];
        }
    }
    const Matrix& head = c.tieWordEmbeddings ? w.matrices.at("model.embed_tokens.weight")
                                             : w.matrices.at("lm_head.weight");
    Matrix logits(T);
    for (size_t t = 0; t < T; ++t) logits[t] = matVec(head, rms(h[t], w.vectors.at("model.norm.weight"), c.rmsNormEps));
    return logits;
}

}  // namespace lathe::test
