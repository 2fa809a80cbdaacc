#include "quant/Hadamard.h"

#include "quant/GaloisField.h"
#include "quant/SplitMix64.h"

#include <bit>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

namespace lathe::quant {

namespace {

bool isPowerOfTwo(int64_t n)
{
    return n > 0 && (n & (n - 1)) == 0;
}

// Jacobsthal matrix Q[a][b] = χ(a − b) over GF(q).
std::vector<int> jacobsthal(const GaloisField& field)
{
    const int q = field.order();
    std::vector<int> m(static_cast<size_t>(q) * q);
    for (int a = 0; a < q; ++a)
        for (int b = 0; b < q; ++b) m[static_cast<size_t>(a) * q + b] = field.quadraticCharacter(field.subtract(a, b));
    return m;
}

// H = I + [[0, 1ᵀ], [−1, Q]]: Q is antisymmetric when q ≡ 3 (mod 4), which makes H Hᵀ = (q+1) I.
at::Tensor paleyOne(const GaloisField& field)
{
    const int q = field.order();
    const int n = q + 1;
    auto jac = jacobsthal(field);
    auto h = at::empty({n, n}, at::kDouble);
    auto a = h.accessor<double, 2>();
    for (int i = 0; i < n; ++i)
        for (int j = 0; j < n; ++j) {
            double s = 0;
            if (i == 0 && j > 0)
                s = 1;
            else if (i > 0 && j == 0)
                s = -1;
            else if (i > 0 && j > 0)
                s = jac[static_cast<size_t>(i - 1) * q + (j - 1)];
            a[i][j] = s + (i == j ? 1.0 : 0.0);
        }
    return h;
}

// The symmetric conference matrix C = [[0, 1ᵀ], [1, Q]] (q ≡ 1 mod 4) with each 0 replaced by [[1, −1], [−1, −1]]
// and each ±1 by ±[[1, 1], [1, −1]].
at::Tensor paleyTwo(const GaloisField& field)
{
    const int q = field.order();
    const int m = q + 1;
    auto jac = jacobsthal(field);
    auto c = at::empty({m, m}, at::kDouble);
    auto a = c.accessor<double, 2>();
    for (int i = 0; i < m; ++i)
        for (int j = 0; j < m; ++j) {
            if (i == 0 || j == 0)
                a[i][j] = (i == j) ? 0.0 : 1.0;
            else
                a[i][j] = jac[static_cast<size_t>(i - 1) * q + (j - 1)];
        }
    auto plus = at::tensor({1.0, 1.0, 1.0, -1.0}, at::kDouble).view({2, 2});
    auto zero = at::tensor({1.0, -1.0, -1.0, -1.0}, at::kDouble).view({2, 2});
    return at::kron(c, plus) + at::kron(at::eye(m, at::kDouble), zero);
}

enum class Paley { One, Two };

std::optional<std::pair<Paley, GaloisField>> paleyFor(int64_t k)
{
    if (k < 4 || k > 4098 || k % 2 != 0) return std::nullopt;
    if ((k - 1) % 4 == 3)
        if (auto field = GaloisField::create(static_cast<int>(k - 1))) return std::make_pair(Paley::One, *field);
    if ((k / 2 - 1) % 4 == 1)
        if (auto field = GaloisField::create(static_cast<int>(k / 2 - 1))) return std::make_pair(Paley::Two, *field);
    return std::nullopt;
}

}  // namespace

at::Tensor sylvesterHadamard(int64_t n)
{
    // H_{2n} = H_2 ⊗ H_n, which gives H[i][j] = (-1)^popcount(i & j).
    auto h2 = at::tensor({1.0, 1.0, 1.0, -1.0}, at::kDouble).view({2, 2});
    auto h = at::ones({1, 1}, at::kDouble);
    while (h.size(0) < n) h = at::kron(h2, h);
    return h;
}

Result<at::Tensor> paleyHadamard(int64_t k)
{
    auto paley = paleyFor(k);
    if (!paley)
        return makeError(ErrorCode::Unsupported,
                         "no Paley construction of a Hadamard matrix of order " + std::to_string(k));
    return paley->first == Paley::One ? paleyOne(paley->second) : paleyTwo(paley->second);
}

Result<HadamardFactors> hadamardFactors(int64_t n)
{
    if (n < 1) return makeError(ErrorCode::InvalidArgument, "Hadamard order must be positive");
    if (isPowerOfTwo(n)) return HadamardFactors{at::ones({1, 1}, at::kDouble), n};
    int64_t powerOfTwo = int64_t{1} << std::countr_zero(static_cast<uint64_t>(n));
    // Move factors of two into K until K has a Paley construction; the rest is a Sylvester factor.
    for (int64_t k = n / powerOfTwo; powerOfTwo >= 1; k *= 2, powerOfTwo /= 2) {
        if (!paleyFor(k)) continue;
        auto hk = paleyHadamard(k);
        if (!hk) return hk.error();
        return HadamardFactors{*hk, powerOfTwo};
    }
    return makeError(ErrorCode::Unsupported, "no Hadamard matrix of order " + std::to_string(n) +
                                                 " can be built here (needs n = 2^m or K·2^m with a Paley order K)");
}

Result<at::Tensor> hadamardMatrix(int64_t n)
{
    auto f = hadamardFactors(n);
    if (!f) return f.error();
    if (f->paley.size(0) == 1) return sylvesterHadamard(f->sylvesterOrder);
    return f->sylvesterOrder == 1 ? f->paley : at::kron(f->paley, sylvesterHadamard(f->sylvesterOrder));
}

at::Tensor randomSigns(int64_t n, std::uint64_t seed)
{
    SplitMix64 rng(seed);
    auto s = at::empty({n}, at::kDouble);
    double* p = s.data_ptr<double>();
    for (int64_t i = 0; i < n; ++i) p[i] = (rng.next() >> 63) ? -1.0 : 1.0;
    return s;
}

Result<at::Tensor> randomHadamard(int64_t n, std::uint64_t seed)
{
    auto h = hadamardMatrix(n);
    if (!h) return h.error();
    return (randomSigns(n, seed).unsqueeze(1) * *h) / std::sqrt(static_cast<double>(n));
}

}  // namespace lathe::quant
