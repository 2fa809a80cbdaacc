#pragma once
// An independent, deliberately naive Llama decoder over doubles: plain loops, no libtorch math, so the
// tests can check Decoder against arithmetic written from the transformers equations.

#include "lathe/model/ModelConfig.h"

#include <map>
#include <string>
#include <vector>

namespace lathe::test {

using Matrix = std::vector<std::vector<double>>;  // [rows][cols]

struct ReferenceWeights {
    std::map<std::string, Matrix> matrices;           // linear weights [out][in], embeddings [vocab][hidden]
    std::map<std::string, std::vector<double>> vectors;  // norms and biases
};

// Logits [T][vocab] for `ids` at positions 0..T-1.
Matrix referenceLogits(const model::ModelConfig& config, const ReferenceWeights& weights, const std::vector<int>& ids);

}  // namespace lathe::test
