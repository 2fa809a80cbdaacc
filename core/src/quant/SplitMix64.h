#pragma once

#include <cstdint>

namespace lathe::quant {

// Sebastiano Vigna's splitmix64: a self-contained generator so that rotations made from a seed are the same on
// every platform and libtorch version.
class SplitMix64 {
public:
    explicit SplitMix64(std::uint64_t seed) : m_state(seed) {}

    std::uint64_t next()
    {
        std::uint64_t z = (m_state += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
    }

private:
    std::uint64_t m_state;
};

}  // namespace lathe::quant
