#pragma once
// Private to core: exposes libtorch types.

#include "lathe/common/Result.h"

#include <ATen/ATen.h>

#include <cstdint>

namespace lathe::quant {

// Sylvester's ±1 Hadamard matrix of order n = 2^m: H[i][j] = (-1)^popcount(i & j). fp64 [n, n].
at::Tensor sylvesterHadamard(int64_t n);

// A ±1 Hadamard matrix of order k from a Paley construction over GF(q), q a prime power:
// Paley I when q = k-1 ≡ 3 (mod 4), otherwise Paley II when q = k/2-1 ≡ 1 (mod 4). fp64 [k, k].
// Errors: Unsupported when neither applies (e.g. 156 and 172 need other constructions).
Result<at::Tensor> paleyHadamard(int64_t k);

// The two factors of hadamardMatrix(n) = paley ⊗ sylvesterHadamard(sylvesterOrder); paley is [[1]] when n = 2^m.
struct HadamardFactors {
    at::Tensor paley;  // fp64 [K, K]
    int64_t sylvesterOrder = 1;
};
Result<HadamardFactors> hadamardFactors(int64_t n);

// A ±1 Hadamard matrix of order n: Sylvester when n = 2^m, otherwise H_K ⊗ H_{2^m} with n = K·2^m and K the
// smallest order with a Paley construction. Errors: InvalidArgument for n < 1, Unsupported when no K exists.
Result<at::Tensor> hadamardMatrix(int64_t n);

// ±1 signs s_i = (splitmix64(seed) output i has its top bit set) ? -1 : +1, i = 0 .. n-1. fp64 [n].
at::Tensor randomSigns(int64_t n, std::uint64_t seed);

// The random Hadamard rotation R = diag(s)·H_n/√n (orthogonal, fp64 [n, n]) with s = randomSigns(n, seed).
Result<at::Tensor> randomHadamard(int64_t n, std::uint64_t seed);

}  // namespace lathe::quant
