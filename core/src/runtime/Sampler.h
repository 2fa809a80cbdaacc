#pragma once
// Private to core: exposes libtorch types.

#include <ATen/ATen.h>

#include <cstdint>
#include <random>

namespace lathe::runtime {

// Picks the next token from one row of logits; see GenerateOptions for the rules and the RNG.
class Sampler {
public:
    Sampler(bool greedy, double temperature, double topP, uint64_t seed);

    int32_t next(const at::Tensor& logits);  // logits [vocab], any float dtype

    // The uniform double in [0, 1) each draw uses: 53 high bits of the generator's output.
    double uniform();

private:
    bool m_greedy;
    double m_temperature;
    double m_topP;
    std::mt19937_64 m_rng;
};

}  // namespace lathe::runtime
