#pragma once
// Tiny Llama-style models for white-box tests: a config of a chosen shape and seeded weights in checkpoint order,
// so tests that compare against exact or reference values all build them the same way.

#include "lathe/model/ModelConfig.h"

#include <ATen/ATen.h>

#include <functional>
#include <map>
#include <random>
#include <string>

namespace lathe::test {

struct TinyShape {
    int hiddenSize = 8;
    int intermediateSize = 12;
    int numLayers = 1;
    int numHeads = 2;
    int numKvHeads = 1;
    int headDim = 4;
    int vocabSize = 16;
    int maxPositionEmbeddings = 64;
};

// A "llama" LlamaForCausalLM config of `shape` with rms eps 1e-5, rope theta 10000 and tied embeddings.
model::ModelConfig tinyLlamaConfig(const TinyShape& shape = {});

// How far each kind of weight spreads around its centre: norm weights centre on 1, everything else on 0.
struct TinyWeightScales {
    double embedding = 1.0;
    double norm = 0.5;
    double attentionIn = 0.3;  // q, k, v
    double attentionOut = 0.3;
    double bias = 0.5;
    double mlpIn = 0.3;  // gate, up
    double mlpOut = 0.3;
    double lmHead = 0.5;

    static TinyWeightScales all(double scale) { return {scale, scale, scale, scale, scale, scale, scale, scale}; }
};

// One element's value for a tensor centred on `center` with spread `scale`.
using WeightDraw = std::function<float(double center, double scale)>;

// Every fp32 weight `config` needs (q/k/v biases when attentionBias, q/k norms when qkNorm, lm_head when untied),
// drawn element by element in row-major order, tensor by tensor in checkpoint order: embeddings, then per layer the
// two norms, q k v o, biases, q/k norms, gate up down, then the final norm and lm_head. Tests with exact expectations
// rely on that order.
std::map<std::string, at::Tensor> tinyWeights(const model::ModelConfig& config, const TinyWeightScales& scales,
                                              const WeightDraw& draw);

// Uniform in [-1, 1) from the top 53 bits of one draw: the same on every standard library.
double symmetricUnit(std::mt19937_64& rng);

// center + scale * symmetricUnit(rng), rounded once to fp32. `rng` must outlive the draw.
WeightDraw symmetricDraw(std::mt19937_64& rng);

}  // namespace lathe::test
